using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Distributed.Collectives.Tests.Infrastructure;

/// <summary>N rank processes of one world on loopback, meeting at a TCPStore on a free port.</summary>
public sealed class TestWorld : IDisposable
{
    private TestWorld(IReadOnlyList<RankProcess> ranks, string worldId)
    {
        Ranks = ranks;
        WorldId = worldId;
    }

    public IReadOnlyList<RankProcess> Ranks { get; }

    public string WorldId { get; }

    public static TestWorld Start(string mode, int world, TimeSpan timeout)
    {
        var port = FreePort();
        var worldId = $"{mode}-{world}-{Guid.NewGuid():N}"[..24];
        return new TestWorld(Enumerable.Range(0, world).Select(r => RankProcess.Start(mode, r, world, port, worldId, timeout)).ToList(), worldId);
    }

    /// <summary>Waits for every rank to exit; fails naming the ranks that did not, or did with an error, and their output.</summary>
    public async Task WaitForExitAsync(TimeSpan timeout, string phase, IEnumerable<RankProcess>? only = null)
    {
        var ranks = (only ?? Ranks).ToList();
        await Task.WhenAll(ranks.Select(r => r.WaitForExitAsync(timeout, phase)));
        var failed = ranks.Where(r => r.ExitCode != 0).ToList();
        Assert.True(failed.Count == 0,
            $"{phase}: rank(s) {string.Join(", ", failed.Select(r => r.Rank))} exited with an error.\n" +
            string.Join("\n", failed.Select(r => $"--- rank {r.Rank} (exit {r.ExitCode}):\n{r.Output}")));
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The value of key=value in a line (values end at a space).</summary>
    public static string Field(string line, string key)
    {
        var start = line.IndexOf(" " + key + "=", StringComparison.Ordinal);
        if (start < 0) throw new FormatException($"no '{key}=' in: {line}");
        start += key.Length + 2;
        var end = line.IndexOf(' ', start);
        return end < 0 ? line[start..] : line[start..end];
    }

    public static long LongField(string line, string key) => long.Parse(Field(line, key), CultureInfo.InvariantCulture);

    public void Dispose()
    {
        foreach (var r in Ranks) r.Dispose();
    }
}
