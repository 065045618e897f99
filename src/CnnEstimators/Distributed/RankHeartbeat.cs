using System.Globalization;
using CnnMl.Torch.Distributed;

namespace CnnMl.Trainers;

/// <summary>
/// Each rank's sign of life in the rendezvous store: a background thread, on its own connection,
/// publishes a beat counter and the rank's training step twice a second; a rank that fails records
/// why. When a collective fails, <see cref="Diagnose"/> tells the ranks that failed, died or hang
/// (their beat stopped) from those merely behind, so the error can name them.
/// </summary>
internal sealed class RankHeartbeat : IDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(500);
    private readonly TcpStore store;
    private readonly int rank, worldSize;
    private readonly Thread thread;
    private readonly CancellationTokenSource stop = new();
    private readonly Lock gate = new();
    private long beat, step;

    public RankHeartbeat(DistributedTrainingOptions options)
    {
        rank = options.Rank;
        worldSize = options.WorldSize;
        store = new TcpStore(options.MasterAddress, options.MasterPort, options.WorldSize, isServer: false, TimeSpan.FromSeconds(10), waitForWorkers: false);
        Publish();
        thread = new Thread(Run) { IsBackground = true, Name = $"cnnml rank {rank} heartbeat" };
        thread.Start();
    }

    /// <summary>The training step this rank is in, published with the next beat.</summary>
    public long Step
    {
        set => Volatile.Write(ref step, value);
    }

    private static string BeatKey(int rank) => $"cnnml/heartbeat/{rank}";

    private static string FailureKey(int rank) => $"cnnml/failure/{rank}";

    private void Publish()
    {
        lock (gate) store.Set(BeatKey(rank), $"{++beat} {Volatile.Read(ref step)}");
    }

    private void Run()
    {
        while (!stop.Token.WaitHandle.WaitOne(Interval))
        {
            try
            {
                Publish();
            }
            catch (Exception)
            {
                // The store went away with rank 0; Diagnose reports it.
                return;
            }
        }
    }

    /// <summary>Records why this rank stops, for the others' errors.</summary>
    public void ReportFailure(string message)
    {
        try
        {
            lock (gate) store.Set(FailureKey(rank), message);
        }
        catch (Exception)
        {
        }
    }

    /// <summary>
    /// Reads the other ranks' beats twice, a few intervals apart, and describes who is at fault:
    /// ranks that recorded a failure, ranks whose beat stopped (dead or hung), or, when the store
    /// itself is gone, rank 0 that hosts it.
    /// </summary>
    public (string Description, int[] Ranks) Diagnose(string storeAddress)
    {
        try
        {
            var first = ReadBeats();
            Thread.Sleep(Interval * 4);
            var second = ReadBeats();
            var failed = new List<(int Rank, string Why)>();
            lock (gate)
                for (int r = 0; r < worldSize; r++)
                    if (r != rank && store.Check(FailureKey(r))) failed.Add((r, store.GetString(FailureKey(r))));
            if (failed.Count > 0)
                return (string.Join("; ", failed.Select(f => $"rank {f.Rank} failed: {f.Why}")), failed.Select(f => f.Rank).ToArray());
            var stalled = Enumerable.Range(0, worldSize).Where(r => r != rank && (second[r] is null || second[r]!.Value.Beat == first[r]?.Beat)).ToArray();
            if (stalled.Length > 0)
                return (string.Join("; ", stalled.Select(r => second[r] is { } s
                    ? $"rank {r} stopped responding: its process died or hangs (its last heartbeat came in step {s.Step + 1})"
                    : $"rank {r} never reported (its process died or hangs)")), stalled);
            var behind = Enumerable.Range(0, worldSize).Where(r => r != rank && second[r]!.Value.Step < Volatile.Read(ref step)).ToArray();
            if (behind.Length > 0)
                return (string.Join("; ", behind.Select(r => $"rank {r} responds but is stuck at step {second[r]!.Value.Step + 1} while this rank is at step {Volatile.Read(ref step) + 1}")), behind);
            return ("every other rank still responds; the connection between the ranks failed", []);
        }
        catch (Exception)
        {
            return (rank == 0 ? "the rendezvous store this rank hosts stopped answering" : $"rank 0, which hosts the rendezvous store at {storeAddress}, is unreachable (its process died)", rank == 0 ? [] : [0]);
        }
    }

    private (long Beat, long Step)?[] ReadBeats()
    {
        var beats = new (long, long)?[worldSize];
        lock (gate)
            for (int r = 0; r < worldSize; r++)
            {
                if (r == rank || !store.Check(BeatKey(r))) continue;
                var parts = store.GetString(BeatKey(r)).Split(' ');
                beats[r] = (long.Parse(parts[0], CultureInfo.InvariantCulture), long.Parse(parts[1], CultureInfo.InvariantCulture));
            }
        return beats;
    }

    public void Dispose()
    {
        stop.Cancel();
        thread.Join();
        stop.Dispose();
        store.Dispose();
    }
}
