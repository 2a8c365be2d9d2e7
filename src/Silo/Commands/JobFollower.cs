using System.Globalization;
using Distributed.Grains.Jobs;
using Distributed.Trainer.Training;

namespace Distributed.Silo.Commands;

/// <summary>Follows a job until it ends: its timeline and a progress line every log_every steps, as they happen.</summary>
internal sealed class JobFollower(IGrainFactory grains, string jobId, bool quiet)
{
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(1);
    private long _printedStep;
    private JobEvent? _lastEvent;

    public async Task<JobStatus> FollowAsync(CancellationToken cancellationToken)
    {
        var job = grains.GetGrain<IJobGrain>(jobId);
        var logEvery = 0;
        while (true)
        {
            var status = await job.GetStatusAsync();
            if (logEvery == 0) logEvery = Math.Max(1, JobFile.Parse(status.Spec.JobFileJson, "job file").LogEvery);
            if (!quiet) await PrintAsync(job, status, logEvery);
            if (status.IsFinal) return status;
            await Task.Delay(Poll, cancellationToken);
        }
    }

    // Steps first, then the events: the final step comes before "completed".
    private async Task PrintAsync(IJobGrain job, JobStatus status, int logEvery)
    {
        if (status.Step > _printedStep) await PrintStepsAsync(job, status, logEvery);
        PrintEvents(status);
    }

    private void PrintEvents(JobStatus status)
    {
        var o = Console.Out;
        // The timeline is bounded: find the last event printed and print what follows it.
        var events = status.Events.ToList();
        var from = _lastEvent is null ? 0 : events.LastIndexOf(_lastEvent) + 1;
        foreach (var e in events.Skip(from)) o.WriteLine($"[{e.Time:HH:mm:ss}] {e.Kind}: {e.Detail}");
        if (events.Count > 0) _lastEvent = events[^1];
    }

    private async Task PrintStepsAsync(IJobGrain job, JobStatus status, int logEvery)
    {
        var o = Console.Out;
        foreach (var p in await job.GetHistoryAsync(_printedStep + 1, 1000))
        {
            if (p.Step % logEvery != 0 && p.Step != status.TotalSteps) continue;
            var r = p.Ranks;
            double Mean(Func<StepReport, double> f) => r.Count == 0 ? 0 : r.Average(f);
            var pct = 100.0 * p.Step / Math.Max(1, status.TotalSteps);
            o.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"step {p.Step}/{status.TotalSteps} ({pct:F0}%) loss {p.Loss:F4} lr {p.Lr:E2} grad-norm {p.GradNorm:F3} {p.TokensPerSecond:N0} tok/s on {p.WorldSize} workers; " +
                $"per step: compute {Mean(x => x.ComputeSeconds):F3} s, all-reduce {Mean(x => x.AllReduceSeconds):F3} s, data {Mean(x => x.DataSeconds):F3} s, " +
                $"optimizer {Mean(x => x.OptimizerSeconds):F3} s, checkpoint {Mean(x => x.CheckpointSeconds):F3} s"));
        }
        _printedStep = status.Step;
    }
}
