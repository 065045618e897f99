namespace CnnMl.Trainers;

/// <summary>
/// A data-parallel training run stopped because the ranks lost each other: a rank failed, died or
/// hung, or the rendezvous store became unreachable. The message names the ranks at fault (in
/// <see cref="FaultyRanks"/>) and what this rank was doing.
/// </summary>
public sealed class DistributedTrainingException : Exception
{
    /// <summary>Creates the exception.</summary>
    public DistributedTrainingException(string message, IReadOnlyList<int> faultyRanks, Exception? inner = null) : base(message, inner) =>
        FaultyRanks = faultyRanks;

    /// <summary>The ranks found to have failed, died or stopped responding (empty when none could be singled out).</summary>
    public IReadOnlyList<int> FaultyRanks { get; }
}
