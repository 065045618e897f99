using System.Text;
using CnnMl.Torch.Native;
using static CnnMl.Torch.Native.NativeMethods;

namespace CnnMl.Torch.Distributed;

/// <summary>
/// c10d's TCPStore: the key-value store the ranks of a job meet through. The server rank listens on
/// the port and waits until <c>worldSize</c> ranks have connected; every get and wait is bounded by
/// the timeout.
/// </summary>
public sealed class TcpStore : IDisposable
{
    /// <summary>
    /// Connects to (or, as the server, opens) the store at <paramref name="host"/>:<paramref name="port"/>.
    /// With <paramref name="waitForWorkers"/> the connection counts as one of the <paramref name="worldSize"/>
    /// ranks the server waits for; a rank's further connections pass false.
    /// </summary>
    public TcpStore(string host, int port, int worldSize, bool isServer, TimeSpan timeout, bool waitForWorkers = true)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(port, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535);
        ArgumentOutOfRangeException.ThrowIfLessThan(worldSize, 1);
        Handle = DistributedSafeHandle.Adopt(cnn_dist_store_create(host, port, worldSize, isServer ? 1 : 0, waitForWorkers ? 1 : 0, (long)timeout.TotalMilliseconds), cnn_dist_store_free);
        Host = host;
        Port = port;
    }

    internal DistributedSafeHandle Handle { get; }

    /// <summary>The address the store was opened at.</summary>
    public string Host { get; }

    /// <summary>The port the store was opened at.</summary>
    public int Port { get; }

    /// <summary>Sets <paramref name="key"/> to <paramref name="value"/>.</summary>
    public unsafe void Set(string key, ReadOnlySpan<byte> value)
    {
        fixed (byte* p = value) TorchException.Check(cnn_dist_store_set(Handle, key, p, value.Length));
    }

    /// <summary>Sets <paramref name="key"/> to <paramref name="value"/> as UTF-8.</summary>
    public void Set(string key, string value) => Set(key, Encoding.UTF8.GetBytes(value));

    /// <summary>The value of <paramref name="key"/>, waiting (up to the timeout) until some rank sets it.</summary>
    public unsafe byte[] Get(string key)
    {
        var buffer = new byte[256];
        while (true)
        {
            int length;
            fixed (byte* p = buffer) length = cnn_dist_store_get(Handle, key, p, buffer.Length);
            TorchException.Check(length);
            if (length <= buffer.Length) return buffer[..length];
            buffer = new byte[length];
        }
    }

    /// <summary>The UTF-8 text value of <paramref name="key"/>, waiting until some rank sets it.</summary>
    public string GetString(string key) => Encoding.UTF8.GetString(Get(key));

    /// <summary>Whether <paramref name="key"/> is set now (does not wait).</summary>
    public bool Check(string key)
    {
        var found = cnn_dist_store_check(Handle, key);
        TorchException.Check(found);
        return found == 1;
    }

    /// <summary>Adds <paramref name="delta"/> to the integer at <paramref name="key"/> (0 when unset) and returns the sum.</summary>
    public long Add(string key, long delta)
    {
        var value = cnn_dist_store_add(Handle, key, delta);
        if (value == long.MinValue) throw TorchException.FromNative();
        return value;
    }

    /// <summary>Closes the connection (and, on the server, the store).</summary>
    public void Dispose() => Handle.Dispose();
}
