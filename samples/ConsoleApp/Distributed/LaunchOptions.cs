using System.CommandLine;

namespace CnnMl.ConsoleApp.Distributed;

/// <summary>The launcher's options (torchrun's names), shared by <c>cnnml train</c> and <c>cnnml launch</c>.</summary>
internal sealed class LaunchOptions
{
    public Option<int?> ProcessesPerNode { get; } = new("--nproc-per-node") { Description = "Data-parallel training: start this many ranks on this machine (each trains --batch-size images per step)" };
    public Option<int> Nodes { get; } = new("--nnodes") { Description = "Machines in the job (each runs the same command with its --node-rank)", DefaultValueFactory = _ => 1 };
    public Option<int> NodeRank { get; } = new("--node-rank") { Description = "This machine's index in the job, 0 on the machine of --master-addr", DefaultValueFactory = _ => 0 };
    public Option<string> MasterAddress { get; } = new("--master-addr") { Description = "Address of node 0, where rank 0 hosts the rendezvous store", DefaultValueFactory = _ => "127.0.0.1" };
    public Option<int> MasterPort { get; } = new("--master-port") { Description = "Port of the rendezvous store", DefaultValueFactory = _ => 29500 };
    public Option<int?> Timeout { get; } = new("--dist-timeout") { Description = "Seconds a rank waits for the others (rendezvous, each collective) before it stops with an error naming them (default 1800)" };
    public Option<string?> Backend { get; } = CreateBackend();

    private static Option<string?> CreateBackend()
    {
        var option = new Option<string?>("--dist-backend") { Description = "c10d backend for CUDA tensors: auto (NCCL when built with it and a GPU is visible, else Gloo), gloo or nccl; CPU tensors always go through Gloo" };
        option.AcceptOnlyFromAmong("auto", "gloo", "nccl");
        return option;
    }

    /// <summary>The option names <see cref="RankLauncher.WithoutOptions"/> strips from a relaunched command line.</summary>
    public IReadOnlyCollection<string> Names => [ProcessesPerNode.Name, Nodes.Name, NodeRank.Name, MasterAddress.Name, MasterPort.Name, Timeout.Name, Backend.Name];

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { ProcessesPerNode, Nodes, NodeRank, MasterAddress, MasterPort, Timeout, Backend }) command.Options.Add(option);
    }

    /// <summary>The launch the parsed options ask for, or null without --nproc-per-node.</summary>
    public LaunchSettings? Settings(ParseResult result) => result.GetValue(ProcessesPerNode) is { } processes
        ? new LaunchSettings(processes, result.GetValue(Nodes), result.GetValue(NodeRank), result.GetValue(MasterAddress)!, result.GetValue(MasterPort), result.GetValue(Timeout), result.GetValue(Backend))
        : null;
}
