namespace CnnMl.Trainers;

/// <summary>
/// Seeds derived from the run's seed, the epoch and the batch, the same in every process (unlike
/// <see cref="HashCode"/>, which is randomized per process), so a run resumed from a checkpoint
/// after a crash continues exactly as an uninterrupted one (SplitMix64 finalizer).
/// </summary>
internal static class TrainingSeeds
{
    public static int Mix(int seed, int epoch, int batch = -1, int salt = 0)
    {
        ulong z = (uint)seed;
        foreach (var part in new[] { epoch, batch, salt })
        {
            z += 0x9E3779B97F4A7C15UL + (uint)part;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            z ^= z >> 31;
        }
        return (int)(z & 0x7FFFFFFF);
    }
}
