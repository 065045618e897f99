using System.Runtime.InteropServices;
using static CnnMl.Torch.torch;

namespace CnnMl.Bench;

/// <summary>Versions and defaults of the CnnMl side, for the header of RESULTS.md.</summary>
public sealed class InfoWorkload : IWorkload
{
    public string Description => "libtorch version of the binding, .NET runtime, default thread count";

    public IReadOnlyList<BenchOption> Options { get; } = [];

    public BenchResult Run(BenchArgs args) => new BenchResult()
        .Add("impl", "cnnml")
        .Add("libtorch", __version__)
        .Add("dotnet_runtime", RuntimeInformation.FrameworkDescription)
        .Add("default_threads", get_num_threads())
        .Add("cuda", cuda.is_available());
}
