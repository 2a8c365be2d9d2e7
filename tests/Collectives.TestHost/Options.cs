using System.Globalization;
using Distributed.Trainer.Collectives;

namespace Distributed.Collectives.TestHost;

/// <summary>The command line of one rank: --port P --rank R --world N [--world-id W] [--timeout-ms T] [--elements E].</summary>
internal sealed record Options(int Port, int Rank, int World, string WorldId, TimeSpan Timeout, long Elements)
{
    public const string Host = "127.0.0.1";

    // Ranks start seconds apart on a loaded test machine: joining may take longer than a collective may.
    public static readonly TimeSpan JoinTimeout = TimeSpan.FromSeconds(60);

    public Rendezvous Rendezvous(string? worldId = null, int? rank = null) =>
        new(Host, Port, worldId ?? WorldId, rank ?? Rank, World, Timeout) { JoinTimeout = JoinTimeout };

    public static Options Parse(string[] args)
    {
        var values = new Dictionary<string, string>();
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal)) throw new ArgumentException($"expected a --flag, got '{args[i]}'");
            values[args[i][2..]] = args[i + 1];
        }
        string Get(string name, string? fallback = null) =>
            values.TryGetValue(name, out var v) ? v : fallback ?? throw new ArgumentException($"--{name} is required");
        return new Options(
            int.Parse(Get("port"), CultureInfo.InvariantCulture),
            int.Parse(Get("rank"), CultureInfo.InvariantCulture),
            int.Parse(Get("world"), CultureInfo.InvariantCulture),
            Get("world-id", "test"),
            TimeSpan.FromMilliseconds(int.Parse(Get("timeout-ms", "20000"), CultureInfo.InvariantCulture)),
            long.Parse(Get("elements", "1000003"), CultureInfo.InvariantCulture));
    }
}
