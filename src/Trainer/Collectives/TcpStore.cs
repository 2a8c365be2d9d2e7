using Distributed.Trainer.Torch;
using Distributed.Trainer.Torch.Interop;
using static Distributed.Trainer.Torch.Interop.NativeMethods;

namespace Distributed.Trainer.Collectives;

/// <summary>
/// A c10d TCPStore: the key-value store through which the ranks of a world find each other. One process
/// serves it, the others connect; several worlds can use one store one after the other, each under its own
/// world id. Keep the serving process's store alive while any world that uses it is being formed.
/// </summary>
public sealed class TcpStore : IDisposable
{
    private TcpStore(StoreHandle handle, string host, int port, bool isServer)
    {
        Handle = handle;
        Host = host;
        Port = port;
        IsServer = isServer;
    }

    internal StoreHandle Handle { get; }

    public string Host { get; }

    /// <summary>The port it serves or connects to (the one picked when served on port 0).</summary>
    public int Port { get; }

    public bool IsServer { get; }

    /// <summary>Serves a store on <paramref name="port"/> (0 picks a free one; see <see cref="Port"/>).</summary>
    public static TcpStore Serve(string host, int port, TimeSpan timeout) => Create(host, port, true, timeout);

    /// <summary>Connects to the store at host:port, retrying until <paramref name="timeout"/>.</summary>
    public static TcpStore Connect(string host, int port, TimeSpan timeout) => Create(host, port, false, timeout);

    private static TcpStore Create(string host, int port, bool serve, TimeSpan timeout)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(host);
        if (port is < 0 or > 65535) throw new ArgumentOutOfRangeException(nameof(port), port, "a TCP port is 0-65535");
        if (!serve && port == 0) throw new ArgumentOutOfRangeException(nameof(port), port, "a client needs the server's port, not 0");
        var op = serve ? $"serving a TCPStore on {host}:{port}" : $"connecting to the TCPStore at {host}:{port}";
        if (dst_dist_store_new(host, port, serve ? 1 : 0, (long)timeout.TotalMilliseconds, out var handle) != 0)
        {
            handle.Dispose();
            Check.Throw(op);
        }
        Check.Ok(dst_dist_store_port(handle, out var actual), op);
        return new TcpStore(handle, host, actual, serve);
    }

    public override string ToString() => $"TcpStore({(IsServer ? "serving" : "client of")} {Host}:{Port})";

    public void Dispose() => Handle.Dispose();
}
