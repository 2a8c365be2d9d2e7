using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Distributed.Grains.Jobs;

namespace Distributed.Silo.Commands;

/// <summary>How `distributed job` prints jobs: a few lines for people, or JSON (--json) for scripts.</summary>
internal static class JobOutput
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static void PrintJson<T>(T value) => Console.Out.WriteLine(JsonSerializer.Serialize(value, JsonOptions));

    private static string F(double value, string format = "F4") => value.ToString(format, CultureInfo.InvariantCulture);

    public static void PrintStatus(JobStatus s)
    {
        var o = Console.Out;
        o.WriteLine($"job {s.Id} ({s.Spec.Name}): {s.State}, step {s.Step}/{s.TotalSteps}, coordinator {s.Coordinator}");
        if (s.WorldId is not null)
            o.WriteLine($"  world {s.WorldId}: {string.Join(", ", s.World.Select(m => $"rank {m.Rank} = GPU {m.Gpu} on {m.Silo}"))}");
        foreach (var r in s.LastSteps)
        {
            o.WriteLine($"  rank {r.Rank} (GPU {r.Gpu}): step {r.Step} loss {F(r.Loss)} lr {r.Lr.ToString("E2", CultureInfo.InvariantCulture)} grad-norm {F(r.GradNorm, "F3")} " +
                        $"{F(r.TokensPerSecond, "N0")} tok/s; data {F(r.DataSeconds, "F3")} s, compute {F(r.ComputeSeconds, "F3")} s, " +
                        $"all-reduce {F(r.AllReduceSeconds, "F3")} s, optimizer {F(r.OptimizerSeconds, "F3")} s, checkpoint {F(r.CheckpointSeconds, "F3")} s");
        }
        foreach (var c in s.Checkpoints)
            o.WriteLine($"  checkpoint {c.Name} (step {c.Step}): {(c.Committed ? "committed" : c.Abandoned ? "abandoned" : "writing")}, {c.Bytes:N0} bytes, {c.Location}");
        if (s.Evaluations.Count > 0) PrintEvaluation(s.Evaluations[^1], s.Evaluations.Count > 1 ? s.Evaluations[0] : null);
        if (s.Error is not null) o.WriteLine($"  error: {s.Error}");
        foreach (var e in s.Events.TakeLast(8)) o.WriteLine($"  {e.Time:HH:mm:ss} {e.Kind}: {e.Detail}");
    }

    /// <summary>The held-out evaluation; for an AutoCompressor, the per-segment loss with and without summaries as a table.</summary>
    public static void PrintEvaluation(EvaluationReport last, EvaluationReport? first)
    {
        var o = Console.Out;
        o.WriteLine(first is null
            ? $"  held-out loss at step {last.Step}: {F(last.Loss)} ({last.Samples} samples)"
            : $"  held-out loss: {F(first.Loss)} at step {first.Step} -> {F(last.Loss)} at step {last.Step} ({last.Samples} samples)");
        var byName = last.Metrics.ToDictionary(m => m.Name, m => m.Value);
        var segments = Enumerable.Range(0, 64).TakeWhile(i => byName.ContainsKey($"segment_{i}_loss_with_summaries")).ToList();
        if (segments.Count > 0)
        {
            o.WriteLine("  segment  loss with summaries  loss without  gain");
            foreach (var i in segments)
            {
                var with = byName[$"segment_{i}_loss_with_summaries"];
                var without = byName[$"segment_{i}_loss_without"];
                o.WriteLine($"  {i,7}  {F(with),19}  {F(without),12}  {F(without - with),5}");
            }
        }
        foreach (var m in last.Metrics.Where(m => !m.Name.StartsWith("segment_", StringComparison.Ordinal))) o.WriteLine($"  {m.Name}: {F(m.Value)}");
    }

    public static void PrintList(IReadOnlyList<JobSummary> jobs)
    {
        if (jobs.Count == 0)
        {
            Console.Out.WriteLine("no jobs: submit one with `distributed job submit FILE`");
            return;
        }
        Console.Out.WriteLine($"{"id",-36} {"name",-20} {"state",-13} {"step",11} {"workers",7}  updated");
        foreach (var j in jobs.OrderBy(j => j.Created))
            Console.Out.WriteLine($"{j.Id,-36} {j.Name,-20} {j.State,-13} {$"{j.Step}/{j.TotalSteps}",11} {j.Workers,7}  {j.Updated:yyyy-MM-dd HH:mm:ss}");
    }
}
