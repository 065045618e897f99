using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace CnnMl.ConsoleApp.Distributed;

/// <summary>Where the ranks a launcher starts sit in the job, as torchrun's options say.</summary>
internal sealed record LaunchSettings(int ProcessesPerNode, int Nodes, int NodeRank, string MasterAddress, int MasterPort, int? TimeoutSeconds, string? Backend = null)
{
    public int WorldSize => ProcessesPerNode * Nodes;

    public void Validate()
    {
        if (ProcessesPerNode < 1) throw new UsageException($"--nproc-per-node must be at least 1, got {ProcessesPerNode}");
        if (Nodes < 1) throw new UsageException($"--nnodes must be at least 1, got {Nodes}");
        if (NodeRank < 0 || NodeRank >= Nodes) throw new UsageException($"--node-rank must be in [0, {Nodes - 1}] for --nnodes {Nodes}, got {NodeRank}");
        if (MasterPort is < 1 or > 65535) throw new UsageException($"--master-port must be in [1, 65535], got {MasterPort}");
        if (string.IsNullOrWhiteSpace(MasterAddress)) throw new UsageException("--master-addr must name rank 0's machine");
        if (TimeoutSeconds is < 1) throw new UsageException($"--dist-timeout must be at least 1 second, got {TimeoutSeconds}");
    }
}

/// <summary>
/// Starts this machine's ranks of a data-parallel job as torchrun does: one process per rank, each
/// with RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE, GROUP_RANK, MASTER_ADDR and MASTER_PORT in
/// its environment (and OMP_NUM_THREADS=1 unless set). Rank 0's output is forwarded; the other
/// ranks' error output is forwarded with a "[rank N]" prefix. When a rank fails, the others get a
/// grace period to report their own errors, then are stopped; the launcher exits with the first
/// failing rank's exit code.
/// </summary>
internal static class RankLauncher
{
    /// <summary>How long the other ranks may take to stop on their own after one failed.</summary>
    public static readonly TimeSpan Grace = TimeSpan.FromSeconds(15);

    public static int Run(LaunchSettings settings, string program, IReadOnlyList<string> arguments, TextWriter output, TextWriter error)
    {
        settings.Validate();
        var gate = new Lock();
        var ranks = new List<(int Rank, Process Process)>();
        void Forward(TextWriter writer, string line)
        {
            lock (gate)
            {
                writer.WriteLine(line);
                writer.Flush();
            }
        }
        void StopAll()
        {
            foreach (var (_, process) in ranks)
            {
                try
                {
                    if (!process.HasExited) process.Kill(entireProcessTree: true);
                }
                catch (InvalidOperationException)
                {
                }
            }
        }
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, _ => StopAll());
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, _ => StopAll());
        try
        {
            for (int local = 0; local < settings.ProcessesPerNode; local++)
            {
                var rank = settings.NodeRank * settings.ProcessesPerNode + local;
                var start = new ProcessStartInfo(program)
                {
                    RedirectStandardOutput = true,
                    RedirectStandardError = true,
                    UseShellExecute = false,
                };
                foreach (var argument in arguments) start.ArgumentList.Add(argument);
                var environment = start.Environment;
                environment["RANK"] = Text(rank);
                environment["WORLD_SIZE"] = Text(settings.WorldSize);
                environment["LOCAL_RANK"] = Text(local);
                environment["LOCAL_WORLD_SIZE"] = Text(settings.ProcessesPerNode);
                environment["GROUP_RANK"] = Text(settings.NodeRank);
                environment["MASTER_ADDR"] = settings.MasterAddress;
                environment["MASTER_PORT"] = Text(settings.MasterPort);
                if (settings.TimeoutSeconds is { } timeout) environment["CNNML_DIST_TIMEOUT_SECONDS"] = Text(timeout);
                if (settings.Backend is { } backend) environment["CNNML_DIST_BACKEND"] = backend;
                if (!environment.ContainsKey("OMP_NUM_THREADS")) environment["OMP_NUM_THREADS"] = "1";
                var process = new Process { StartInfo = start };
                var prefix = rank == 0 ? "" : $"[rank {rank}] ";
                process.OutputDataReceived += (_, e) =>
                {
                    if (e.Data is { } line && rank == 0) Forward(output, line);
                };
                process.ErrorDataReceived += (_, e) =>
                {
                    if (e.Data is { } line) Forward(error, prefix + line);
                };
                if (!process.Start()) throw new InvalidOperationException($"could not start rank {rank}: {program}");
                process.BeginOutputReadLine();
                process.BeginErrorReadLine();
                ranks.Add((rank, process));
            }
            return Supervise(ranks, StopAll, line => Forward(error, line));
        }
        finally
        {
            StopAll();
            foreach (var (_, process) in ranks)
            {
                process.WaitForExit();
                process.Dispose();
            }
        }
    }

    /// <summary>Waits for the ranks; after the first failure, gives the rest <see cref="Grace"/> and stops them.</summary>
    private static int Supervise(List<(int Rank, Process Process)> ranks, Action stopAll, Action<string> report)
    {
        (int Rank, int Code)? firstFailure = null;
        var deadline = DateTime.MaxValue;
        var pending = ranks.ToList();
        while (pending.Count > 0)
        {
            foreach (var entry in pending.Where(r => r.Process.HasExited).ToList())
            {
                entry.Process.WaitForExit();
                pending.Remove(entry);
                var code = entry.Process.ExitCode;
                if (code == 0 || firstFailure is not null) continue;
                firstFailure = (entry.Rank, code);
                report($"cnnml launch: rank {entry.Rank} (pid {entry.Process.Id}) exited with code {code}{Describe(code)}; "
                    + (pending.Count > 0 ? $"the other ranks get {Grace.TotalSeconds:F0} s to stop" : "no other rank is running"));
                deadline = DateTime.UtcNow + Grace;
            }
            if (pending.Count > 0 && DateTime.UtcNow > deadline)
            {
                report($"cnnml launch: stopping rank(s) {string.Join(", ", pending.Select(r => r.Rank))}, still running {Grace.TotalSeconds:F0} s after rank {firstFailure!.Value.Rank} failed");
                stopAll();
                deadline = DateTime.MaxValue;
            }
            Thread.Sleep(50);
        }
        return firstFailure is { Code: var failed } ? (failed is > 0 and < 256 ? failed : 1) : 0;
    }

    /// <summary>" (killed by signal 9)" for the shell-style codes 128 + signal.</summary>
    private static string Describe(int code) => code > 128 && code < 160 ? $" (killed by signal {code - 128})" : "";

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>The command that runs this cnnml again: its apphost when there is one, else the dotnet host with cnnml.dll.</summary>
    public static (string Program, List<string> Arguments) Self()
    {
        var assembly = typeof(RankLauncher).Assembly.Location;
        var apphost = Path.ChangeExtension(assembly, null);
        if (File.Exists(apphost)) return (apphost, []);
        var host = Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path : "dotnet";
        return (host, [assembly]);
    }

    /// <summary>The command line without the launcher's own options (each "--name value" or "--name=value").</summary>
    public static List<string> WithoutOptions(IReadOnlyList<string> arguments, IReadOnlyCollection<string> names)
    {
        var kept = new List<string>();
        for (int i = 0; i < arguments.Count; i++)
        {
            var argument = arguments[i];
            if (names.Contains(argument)) i++;
            else if (!names.Any(n => argument.StartsWith(n + "=", StringComparison.Ordinal))) kept.Add(argument);
        }
        return kept;
    }
}
