using System.Net;
using System.Net.Sockets;

namespace Distributed.TestSupport;

/// <summary>
/// Free loopback ports for tests. Compiled into TestSupport and, as a linked file, into Dashboard.Tests (which must
/// not reference the real grains that TestSupport brings), so both follow one rule.
/// </summary>
internal static class Ports
{
    private static readonly HashSet<int> Given = [];

    /// <summary>
    /// A port free now. The kernel may hand the same ephemeral port out again as soon as its listener closes, so two
    /// calls in a row (Azurite's blob and table ports) could collide: a port this process was given before is never returned.
    /// </summary>
    public static int Free()
    {
        while (true)
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            lock (Given)
            {
                if (Given.Add(port)) return port;
            }
        }
    }
}
