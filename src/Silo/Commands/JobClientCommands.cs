using System.CommandLine;
using Distributed.Grains.Jobs;
using Distributed.Silo.Hosting;

namespace Distributed.Silo.Commands;

/// <summary>`distributed job status|list|cancel|resume`: clients of a running cluster.</summary>
public static class JobClientCommands
{
    private static readonly Argument<string> IdArgument = new("ID") { Description = "the job id (`distributed job list` shows them)" };

    public static Command Status()
    {
        var flags = new ClusterFlags();
        var id = new Argument<string?>("ID") { Description = "the job id (default: the newest job)", Arity = ArgumentArity.ZeroOrOne };
        var follow = new Option<bool>("--follow") { Description = "print progress until the job ends" };
        var command = JobCommand.WithClusterFlags(new Command("status", "Show a job: state, world, each worker's last step, evaluations, checkpoints, timeline") { id, follow }, flags);
        command.SetAction((r, ct) => WithClusterAsync(r, flags, async (grains, json) =>
        {
            var jobId = r.GetValue(id) ?? await NewestAsync(grains);
            var job = grains.GetGrain<IJobGrain>(jobId);
            var status = r.GetValue(follow) ? await new JobFollower(grains, jobId, quiet: json).FollowAsync(ct) : await Known(job.GetStatusAsync(), jobId);
            Print(status, json);
            return 0;
        }, ct));
        return command;
    }

    public static Command List()
    {
        var flags = new ClusterFlags();
        var command = JobCommand.WithClusterFlags(new Command("list", "List the cluster's jobs"), flags);
        command.SetAction((r, ct) => WithClusterAsync(r, flags, async (grains, json) =>
        {
            var jobs = await grains.GetGrain<IJobRegistryGrain>(IJobRegistryGrain.Key).ListAsync();
            if (json) JobOutput.PrintJson(jobs);
            else JobOutput.PrintList(jobs);
            return 0;
        }, ct));
        return command;
    }

    public static Command Cancel()
    {
        var flags = new ClusterFlags();
        var command = JobCommand.WithClusterFlags(new Command("cancel", "Cancel a job: its workers stop at the next step boundary") { IdArgument }, flags);
        command.SetAction((r, ct) => WithClusterAsync(r, flags, async (grains, json) =>
        {
            var jobId = r.GetValue(IdArgument)!;
            Print(await Known(grains.GetGrain<IJobGrain>(jobId).CancelAsync(), jobId), json);
            return 0;
        }, ct));
        return command;
    }

    public static Command Resume()
    {
        var flags = new ClusterFlags();
        var command = JobCommand.WithClusterFlags(new Command("resume", "Continue a cancelled or failed job from its last committed checkpoint") { IdArgument }, flags);
        command.SetAction((r, ct) => WithClusterAsync(r, flags, async (grains, json) =>
        {
            var jobId = r.GetValue(IdArgument)!;
            Print(await Known(grains.GetGrain<IJobGrain>(jobId).ResumeAsync(), jobId), json);
            return 0;
        }, ct));
        return command;
    }

    private static void Print(JobStatus status, bool json)
    {
        if (json) JobOutput.PrintJson(status);
        else JobOutput.PrintStatus(status);
    }

    private static async Task<int> WithClusterAsync(ParseResult r, ClusterFlags flags, Func<IGrainFactory, bool, Task<int>> action, CancellationToken cancellationToken)
    {
        var (options, configuration) = JobCommand.Cluster(flags.ToConfiguration(r));
        await using var cluster = await ClusterConnection.ConnectClientAsync(options, configuration, cancellationToken);
        return await action(cluster.Grains, r.GetValue(JobCommand.Json));
    }

    private static async Task<string> NewestAsync(IGrainFactory grains)
    {
        var jobs = await grains.GetGrain<IJobRegistryGrain>(IJobRegistryGrain.Key).ListAsync();
        return jobs.MaxBy(j => j.Created)?.Id ?? throw new InvalidOperationException("the cluster has no jobs: submit one with `distributed job submit FILE`");
    }

    // An unknown id reaches the client as the grain's KeyNotFoundException: say it in the CLI's words.
    private static async Task<JobStatus> Known(Task<JobStatus> call, string id)
    {
        try
        {
            return await call;
        }
        catch (KeyNotFoundException)
        {
            throw new InvalidOperationException($"no job {id} on this cluster: `distributed job list` shows its jobs");
        }
    }
}
