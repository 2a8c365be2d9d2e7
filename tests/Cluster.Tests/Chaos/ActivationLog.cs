using System.Globalization;
using System.Text.RegularExpressions;
using Distributed.TestSupport;

namespace Distributed.Cluster.Tests.Chaos;

/// <summary>
/// "No grain ever has two activations", from the silos' own words: every activation of this project's grains logs
/// when it starts running grain code and when it stopped (ActivationTrace, in the silos). An activation runs from its
/// first line until its second, or until its silo was killed, frozen or exited. Two activations of one grain whose
/// times overlap ran at once. (Orleans' activation statistics are not this evidence: they also count activations
/// that wait on their grain directory registration and are dropped, never run, when another silo registered first.)
/// </summary>
internal static partial class ActivationLog
{
    public sealed record Activation(string Id, string Grain, string Silo, DateTimeOffset From, DateTimeOffset Until);

    /// <summary>Every traced activation in every silo's output.</summary>
    public static IReadOnlyList<Activation> Read(LocalCluster cluster)
    {
        var now = DateTimeOffset.UtcNow;
        var all = new List<Activation>();
        foreach (var silo in cluster.AllSilos)
        {
            var halted = silo.HaltedAt ?? now;
            var started = new Dictionary<string, (string Grain, DateTimeOffset From)>();
            var stopped = new Dictionary<string, DateTimeOffset>();
            foreach (var line in silo.OutputText.Split('\n'))
            {
                var m = Line().Match(line);
                if (!m.Success) continue;
                var at = DateTimeOffset.Parse(m.Groups["at"].Value, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);
                if (m.Groups["what"].Value == "running from") started[m.Groups["id"].Value] = (m.Groups["grain"].Value, at);
                else stopped[m.Groups["id"].Value] = at;
            }
            foreach (var (id, (grain, from)) in started)
            {
                var until = stopped.TryGetValue(id, out var s) ? s : halted;
                all.Add(new Activation(id, grain, silo.Name, from, until < halted ? until : halted));
            }
        }
        return all;
    }

    /// <summary>Pairs of activations of one grain that ran at the same time, among those that ran after <paramref name="since"/>.</summary>
    public static IReadOnlyList<string> Overlaps(IReadOnlyList<Activation> activations, DateTimeOffset since) =>
    [
        .. activations.Where(a => a.Until > since).GroupBy(a => a.Grain).SelectMany(g =>
        {
            var list = g.OrderBy(a => a.From).ToList();
            return from i in Enumerable.Range(0, list.Count)
                   from j in Enumerable.Range(i + 1, list.Count - i - 1)
                   let a = list[i]
                   let b = list[j]
                   where b.From < a.Until && a.From < b.Until
                   select $"{g.Key}: activation {a.Id} on {a.Silo} ran {a.From:HH:mm:ss.fff}-{a.Until:HH:mm:ss.fff}, activation {b.Id} on {b.Silo} {b.From:HH:mm:ss.fff}-{b.Until:HH:mm:ss.fff}";
        }),
    ];

    [GeneratedRegex(@"Activation (?<id>\S+) of (?<grain>\S+) on (?<silo>\S+): (?<what>running from|stopped at) (?<at>\S+)")]
    private static partial Regex Line();
}
