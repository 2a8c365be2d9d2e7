using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using Distributed.Grains.Jobs;
using Distributed.Silo.Hosting;
using Distributed.Trainer.Training;
using Serilog;

namespace Distributed.Silo.Commands;

/// <summary>
/// `distributed job submit FILE [--workers N | --min N --max N] [--checkpoint-every N] [--storage LOC]`: validates the
/// job (every problem at once), submits it and follows it to its end. In embedded mode this process is the cluster:
/// one silo with --workers CPU workers (Gloo), serving its gateway to other `distributed job` commands meanwhile.
/// SIGINT/SIGTERM cancel the job (the workers stop at the next step boundary); a second signal exits at once.
/// </summary>
public static class JobSubmitCommand
{
    private static readonly Argument<FileInfo> FileArgument = new("FILE") { Description = "a job file (jobs/*.json; jobs/README.md lists the fields)" };
    private static readonly Option<int?> WorkersOption = new("--workers") { Description = "exactly N workers (sets --min and --max); embedded: the CPU workers of this process (default 2)" };
    private static readonly Option<int?> MinOption = new("--min") { Description = "the job runs with at least this many workers" };
    private static readonly Option<int?> MaxOption = new("--max") { Description = "and uses at most this many" };
    private static readonly Option<int?> CheckpointEveryOption = new("--checkpoint-every") { Description = "a checkpoint every N steps (0: only the final model)" };
    private static readonly Option<int?> KeepLastOption = new("--keep-last") { Description = "committed checkpoints kept (default 2)" };
    private static readonly Option<int?> KeepEveryOption = new("--keep-every") { Description = "also keep every M-th checkpoint for good (0: none)" };
    private static readonly Option<string?> StorageOption = new("--storage") { Description = "where checkpoints and the final model go: a folder every worker reaches, or blob://CONTAINER/PREFIX (default runs/jobs)" };
    private static readonly Option<string?> NameOption = new("--name") { Description = "a display name (default: the job file's name)" };
    private static readonly Option<string?> IdOption = new("--id") { Description = "the job id (default: NAME-TIME-RANDOM)" };
    private static readonly Option<int?> StepsOption = new("--steps") { Description = "override the job file's steps" };
    private static readonly Option<bool> DetachOption = new("--detach") { Description = "return once submitted instead of following (not in embedded mode, whose cluster ends with this process)" };

    public static Command Create()
    {
        var flags = new ClusterFlags();
        var command = JobCommand.WithClusterFlags(new Command("submit", "Submit a training job to the cluster and follow it to its end")
        {
            FileArgument, WorkersOption, MinOption, MaxOption, CheckpointEveryOption, KeepLastOption, KeepEveryOption, StorageOption, NameOption, IdOption,
            StepsOption, DetachOption,
        }, flags);
        command.SetAction((r, ct) => RunAsync(r, flags, ct));
        return command;
    }

    private static async Task<int> RunAsync(ParseResult r, ClusterFlags flags, CancellationToken cancellationToken)
    {
        var file = r.GetValue(FileArgument)!;
        var json = r.GetValue(JobCommand.Json);
        var workers = r.GetValue(WorkersOption);
        if (workers is not null && (r.GetValue(MinOption) is not null || r.GetValue(MaxOption) is not null))
            throw new JobException("give --workers N, or --min and --max, not both");
        if (workers is < 1)
            throw new JobException($"--workers {workers}: a job needs at least 1 worker");
        var max = workers ?? r.GetValue(MaxOption) ?? r.GetValue(MinOption) ?? 2;
        var min = workers ?? r.GetValue(MinOption) ?? Math.Min(1, max);
        var job = JobFile.Load(file.FullName);
        if (r.GetValue(StepsOption) is { } steps) job = job with { Steps = steps };
        var name = r.GetValue(NameOption) ?? Path.GetFileNameWithoutExtension(file.Name);
        var spec = new JobSpec(job.ToJson(), min, max,
            new CheckpointPolicy(r.GetValue(CheckpointEveryOption) ?? 0, r.GetValue(KeepLastOption) ?? 2, r.GetValue(KeepEveryOption) ?? 0),
            Storage(r.GetValue(StorageOption)), name);
        var problems = JobSpecValidator.Problems(spec);
        if (problems.Count > 0) throw new JobException($"{file.Name}: the job was refused:\n  " + string.Join("\n  ", problems));
        var id = r.GetValue(IdOption) ?? $"{Slug(name)}-{DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}-{Guid.NewGuid().ToString("N")[..4]}";

        var clusterFlags = flags.ToConfiguration(r);
        var (options, configuration) = JobCommand.Cluster(clusterFlags);
        if (options.IsEmbedded)
        {
            if (r.GetValue(DetachOption)) throw new JobException("--detach needs a cluster that outlives this command: use --mode azure or host, or leave --detach out");
            // The embedded cluster's workers: one per requested worker, unless --gpus says otherwise.
            if (string.IsNullOrEmpty(options.Gpus))
            {
                clusterFlags[$"{DistributedClusterOptions.Section}:{nameof(DistributedClusterOptions.Gpus)}"] = string.Join(',', Enumerable.Range(0, max));
                (options, configuration) = JobCommand.Cluster(clusterFlags);
            }
        }
        await using var cluster = await ClusterConnection.ConnectAsync(options, configuration, cancellationToken);
        if (cluster.DashboardUrl is { } url) Log.Information("Embedded cluster: {Workers} workers, dashboard {Url}", options.GpuList.Count, url);
        var grain = cluster.Grains.GetGrain<IJobGrain>(id);
        JobStatus status;
        try
        {
            status = await grain.SubmitAsync(spec);
        }
        catch (JobSpecException e)
        {
            throw new JobException($"{file.Name}: the job was refused:\n  " + string.Join("\n  ", e.Problems));
        }
        Log.Information("Job {JobId} submitted; follow it with `distributed job status {JobId} --follow`", id, id);
        if (r.GetValue(DetachOption))
        {
            if (json) JobOutput.PrintJson(status);
            else JobOutput.PrintStatus(status);
            return 0;
        }

        // SIGINT/SIGTERM: cancel the job and wait for the workers to stop; a second signal exits at once.
        var signal = 0;
        void OnSignal(PosixSignalContext context)
        {
            if (Interlocked.CompareExchange(ref signal, context.Signal == PosixSignal.SIGTERM ? 143 : 130, 0) != 0) return;
            context.Cancel = true;
            Log.Warning("{Signal}: cancelling job {JobId}; its workers stop at the next step boundary (signal again to exit at once)", context.Signal, id);
            _ = grain.CancelAsync();
        }
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);

        status = await new JobFollower(cluster.Grains, id, quiet: json).FollowAsync(cancellationToken);
        if (options.IsEmbedded) await WaitForWorkersAsync(cluster, status, cancellationToken);
        if (json) JobOutput.PrintJson(status);
        else JobOutput.PrintStatus(status);
        return status.State switch
        {
            JobState.Completed => 0,
            JobState.Cancelled when signal != 0 => signal,
            _ => 1,
        };
    }

    // Embedded: the workers live in this process; let them finish their last reports before the silo stops.
    private static async Task WaitForWorkersAsync(ClusterConnection cluster, JobStatus status, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        foreach (var member in status.World)
        {
            var worker = cluster.Grains.GetGrain<Grains.Workers.IWorkerGrain>(member.Gpu);
            while (DateTime.UtcNow < deadline && (await worker.GetStatusAsync()).State is Grains.Workers.WorkerState.Joining or Grains.Workers.WorkerState.Training
                       or Grains.Workers.WorkerState.Stopping)
                await Task.Delay(200, cancellationToken);
        }
    }

    // A blank --storage stays blank, for the validator to name; a folder becomes absolute (workers run elsewhere).
    private static string Storage(string? flag) =>
        flag is null ? Path.GetFullPath(Path.Combine("runs", "jobs")) : string.IsNullOrWhiteSpace(flag) ? flag : CommonOptions.FullPath(flag)!;

    private static string Slug(string name)
    {
        var chars = name.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-').ToArray();
        var slug = new string(chars).Trim('-');
        return slug.Length == 0 ? "job" : slug[..Math.Min(slug.Length, 24)];
    }
}
