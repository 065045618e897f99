using System.Net;
using System.Net.Sockets;

namespace CnnMl.Tests;

/// <summary>A loopback TCP port no one listens on now, for a test's rendezvous store.</summary>
public static class FreeTcpPort
{
    /// <summary>Asks the kernel for a free port and releases it at once.</summary>
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
