using System.CommandLine;
using Distributed.Trainer.Training;
using Distributed.Trainer.Training.Checkpoints;
using Microsoft.Extensions.Logging;
using Serilog;

namespace Distributed.Silo.Commands;

/// <summary>A training session holding a checkpoint's weights, for `eval` and `generate`.</summary>
internal static class CheckpointSession
{
    public static readonly Option<string> CheckpointOption = new("--checkpoint")
    {
        Description = "a checkpoint (a run's checkpoints/step-N), or a run directory for its newest checkpoint",
        Required = true,
    };

    public static readonly Option<string?> DeviceOption = new("--device") { Description = "cpu or cuda:N (default: the job's)" };

    public static async Task<TrainingSession> OpenAsync(ParseResult r, ILoggerFactory loggers, Func<JobFile, JobFile>? adjust, CancellationToken cancellationToken)
    {
        var (store, name) = await CheckpointReader.ResolveAsync(r.GetValue(CheckpointOption)!, cancellationToken);
        var snapshot = await CheckpointReader.LoadAsync(store, name, cancellationToken);
        var job = snapshot.Job with { Device = r.GetValue(DeviceOption) ?? snapshot.Job.Device, InitFrom = null };
        job = adjust?.Invoke(job) ?? job;
        Log.Information("Checkpoint {Checkpoint}: {Objective} at step {Step}", store.Describe(name), job.Objective, snapshot.Step);
        var session = await TrainingSession.CreateAsync(job, WorldInfo.Single, loggers: loggers, weightsFollow: true, cancellationToken: cancellationToken);
        try
        {
            session.Restore(snapshot, weightsOnly: true);
            return session;
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }
}
