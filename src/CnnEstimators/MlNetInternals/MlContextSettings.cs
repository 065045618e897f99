using Microsoft.ML.Runtime;

namespace CnnMl.MlNetInternals;

/// <summary>
/// What a trainer takes from the <see cref="MLContext"/> behind a catalog, as ML.NET's own trainers
/// do: a seed drawn from the context's random source (fixed by <c>new MLContext(seed: ...)</c>), the
/// GPU device id and whether a missing GPU falls back to the CPU.
/// </summary>
internal sealed class MlContextSettings
{
    private readonly IHost host;
    private readonly object randomGate = new();

    private MlContextSettings(IHostEnvironment environment, string componentName)
    {
        host = environment.Register(componentName);
        var settings = environment as IHostEnvironmentInternal;
        GpuDeviceId = settings?.GpuDeviceId;
        FallbackToCpu = settings?.FallbackToCpu ?? false;
    }

    public static MlContextSettings Of(MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, string componentName)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new(((IInternalCatalog)catalog).Environment, componentName);
    }

    /// <summary>The next seed of the context's random source (deterministic when the MLContext has a seed).</summary>
    public int NextSeed()
    {
        lock (randomGate) return host.Rand.Next();
    }

    public int? GpuDeviceId { get; }
    public bool FallbackToCpu { get; }
}
