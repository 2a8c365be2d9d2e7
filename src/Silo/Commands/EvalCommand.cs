using System.CommandLine;
using Serilog;

namespace Distributed.Silo.Commands;

/// <summary>
/// `distributed eval --checkpoint DIR`: the held-out evaluation of a checkpoint, on the held-out samples of its
/// job (or of another dataset): loss; per-segment loss with and without summaries for AutoCompressor;
/// reconstruction BLEU-4 and exact match for ICAE.
/// </summary>
public static class EvalCommand
{
    private static readonly Option<string?> DatasetOption = new("--dataset") { Description = "evaluate on the held-out end of this tokenized dataset instead of the job's" };
    private static readonly Option<int?> SamplesOption = new("--samples") { Description = "held-out samples to evaluate (default: the job's eval_samples)" };

    public static Command Create()
    {
        var command = new Command("eval", "Evaluate a checkpoint on held-out data")
        {
            CheckpointSession.CheckpointOption, CheckpointSession.DeviceOption, DatasetOption, SamplesOption,
        };
        command.SetAction((r, ct) => RunAsync(r, ct));
        return command;
    }

    private static async Task<int> RunAsync(ParseResult r, CancellationToken cancellationToken)
    {
        var (loggers, owner) = CommonOptions.RunLogging(null);
        using var _ = owner;
        using var session = await CheckpointSession.OpenAsync(r, loggers, job => job with
        {
            Dataset = CommonOptions.FullPath(r.GetValue(DatasetOption)) ?? job.Dataset,
            EvalSamples = r.GetValue(SamplesOption) ?? job.EvalSamples,
        }, cancellationToken);
        var e = session.Evaluate();
        Log.Information("{Objective} on {Samples} held-out samples of {Data}:", session.Job.Objective, e.Samples, session.Data.Name);
        foreach (var (name, value) in e.Metrics) Console.WriteLine($"{name,-40} {value,10:F4}");
        return 0;
    }
}
