using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using Distributed.Trainer.Training;
using Distributed.Trainer.Training.Checkpoints;
using Serilog;

namespace Distributed.Silo.Commands;

/// <summary>
/// `distributed train --job FILE [overrides]` or `distributed train --resume DIR [overrides]`: runs a training job
/// in this process and writes its run directory (checkpoints, metrics.jsonl, train.log). SIGINT and SIGTERM stop
/// it at the next step boundary with a checkpoint saved (exit codes 130 and 143). Exits 1 when the held-out loss
/// did not fall.
/// </summary>
public static class TrainCommand
{
    private static readonly Option<FileInfo?> JobOption = new("--job") { Description = "a JSON job file (jobs/*.json are examples; jobs/README.md lists the fields)" };
    private static readonly Option<string?> ResumeOption = new("--resume") { Description = "continue from a checkpoint (a run's checkpoints/step-N), or from the newest one of a run directory" };
    private static readonly Option<string?> ObjectiveOption = new("--objective") { Description = "lm, autocompressor, icae or icae-finetune" };
    private static readonly Option<string?> DatasetOption = new("--dataset") { Description = "a tokenized dataset (from `distributed tokenize`): a folder or blob://CONTAINER/PREFIX" };
    private static readonly Option<string?> ModelDirOption = new("--model-dir") { Description = "a Hugging Face model folder to start from" };
    private static readonly Option<double?> LrOption = new("--lr") { Description = "peak learning rate" };
    private static readonly Option<int?> BatchOption = new("--batch") { Description = "samples per optimizer step (the global batch)" };
    private static readonly Option<int?> StepsOption = new("--steps") { Description = "optimizer steps in total" };
    private static readonly Option<string?> DeviceOption = new("--device") { Description = "cpu or cuda:N" };
    private static readonly Option<string?> DTypeOption = new("--dtype") { Description = "parameter dtype: f32 or bf16" };
    private static readonly Option<int?> SeedOption = new("--seed") { Description = "seed of initialisation and sampling" };
    private static readonly Option<string?> OutputOption = new("--output") { Description = "the run directory (default: the job's output_dir, else runs/TIME-OBJECTIVE)" };
    private static readonly Option<int?> SaveEveryOption = new("--save-every") { Description = "a checkpoint every N steps (0: at the end only)" };
    private static readonly Option<int?> EvalSamplesOption = new("--eval-samples") { Description = "samples held out at the end of the data for evaluation" };
    private static readonly Option<string?> TokenizerOption = new("--tokenizer") { Description = "the tokenizer of the data (icae-finetune reads its instructions with it; generate decodes with it)" };
    private static readonly Option<string?> InitFromOption = new("--init-from") { Description = "start from the weights of this checkpoint (e.g. a pretrained ICAE for icae-finetune)" };
    private static readonly Option<int?> EvalEveryOption = new("--eval-every") { Description = "held-out evaluation every N steps (0: before and after only)" };

    public static Command Create()
    {
        var command = new Command("train", "Train a model on one device from a job file, or resume a run from its checkpoint")
        {
            JobOption, ResumeOption, ObjectiveOption, DatasetOption, ModelDirOption, LrOption, BatchOption, StepsOption, DeviceOption, DTypeOption,
            SeedOption, OutputOption, SaveEveryOption, EvalEveryOption, EvalSamplesOption, TokenizerOption, InitFromOption,
        };
        command.SetAction((r, ct) => RunAsync(r, ct));
        return command;
    }

    private static async Task<int> RunAsync(ParseResult r, CancellationToken cancellationToken)
    {
        var resumeFrom = r.GetValue(ResumeOption);
        var jobFile = r.GetValue(JobOption);
        TrainingSnapshot? snapshot = null;
        JobFile job;
        string? resumedRun = null;
        if (resumeFrom is not null)
        {
            if (jobFile is not null)
                throw new JobException("give --job or --resume, not both: a resumed run continues the job stored in its checkpoint (change its fields with the other flags)");
            var (store, name) = await CheckpointReader.ResolveAsync(resumeFrom, cancellationToken);
            snapshot = await CheckpointReader.LoadAsync(store, name, cancellationToken);
            job = snapshot.Job;
            // A run's checkpoints live in RUN/checkpoints: by default the resumed run continues in RUN.
            if (Path.GetFileName(store.Location) == CheckpointLayout.Folder) resumedRun = Path.GetDirectoryName(store.Location);
            Log.Information("Resuming from {Checkpoint} (step {Step})", store.Describe(name), snapshot.Step);
        }
        else
        {
            job = jobFile is not null
                ? JobFile.Load(jobFile.FullName)
                : throw new JobException("give a job file with --job FILE (examples: jobs/main.json, jobs/lm.json, ...), or --resume DIR");
        }
        job = Override(job, r);
        var output = CommonOptions.FullPath(r.GetValue(OutputOption)) ?? CommonOptions.FullPath(job.OutputDirectory) ?? resumedRun
            ?? Path.GetFullPath(Path.Combine("runs", $"{DateTime.Now.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}-{job.Objective}"));
        job = job with { OutputDirectory = output };
        job.Validate();

        var (loggers, logOwner) = CommonOptions.RunLogging(Path.Combine(output, "train.log"));
        using var _ = logOwner;
        Log.Information("Run directory {Output}: checkpoints/, metrics.jsonl, train.log", output);
        // SIGINT (Ctrl+C) and SIGTERM: finish the step, save, exit 130 / 143.
        using var stop = new CancellationTokenSource();
        var signal = 0;
        void OnSignal(PosixSignalContext context)
        {
            // The first signal stops gracefully; a second one terminates at once, as usual.
            if (Interlocked.CompareExchange(ref signal, context.Signal == PosixSignal.SIGTERM ? 143 : 130, 0) != 0) return;
            context.Cancel = true;
            Log.Warning("{Signal}: stopping after the current step, then saving (signal again to stop at once)", context.Signal);
            stop.Cancel();
        }
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);

        var result = await TerminalProgress.RunAsync($"{job.Objective}: training", job.Steps, bar =>
        {
            if (bar is not null && snapshot is not null) bar.Update(snapshot.Step, $"{job.Objective}: step {snapshot.Step}/{job.Steps}");
            var progress = bar is null ? null : new StepBar(bar);
            return new TrainingRun(loggers) { Progress = progress }.RunAsync(job, output, snapshot, stop.Token, cancellationToken);
        });
        if (result.Stopped) return signal == 0 ? 130 : signal;
        if (result.After!.Loss >= result.Before.Loss)
        {
            Log.Error("The held-out loss did not fall ({Before:F3} -> {After:F3}): check the learning rate (--lr) and the data (--dataset)",
                result.Before.Loss, result.After.Loss);
            return 1;
        }
        return 0;
    }

    /// <summary>Each step moves the terminal bar (synchronously: Progress&lt;T&gt; would post to the thread pool, out of order).</summary>
    private sealed class StepBar(TerminalProgress.Bar bar) : IProgress<RunProgress>
    {
        public void Report(RunProgress p) =>
            bar.Update(p.Step, $"step {p.Step}/{p.Steps} loss {p.Loss:F3} {p.TokensPerSecond:N0} tok/s");
    }

    private static JobFile Override(JobFile job, ParseResult r) => job with
    {
        Objective = r.GetValue(ObjectiveOption) ?? job.Objective,
        Dataset = CommonOptions.FullPath(r.GetValue(DatasetOption)) ?? job.Dataset,
        ModelDirectory = CommonOptions.FullPath(r.GetValue(ModelDirOption)) ?? job.ModelDirectory,
        Lr = r.GetValue(LrOption) ?? job.Lr,
        Batch = r.GetValue(BatchOption) ?? job.Batch,
        Steps = r.GetValue(StepsOption) ?? job.Steps,
        Device = r.GetValue(DeviceOption) ?? job.Device,
        DType = r.GetValue(DTypeOption) ?? job.DType,
        Seed = r.GetValue(SeedOption) ?? job.Seed,
        SaveEvery = r.GetValue(SaveEveryOption) ?? job.SaveEvery,
        EvalEvery = r.GetValue(EvalEveryOption) ?? job.EvalEvery,
        EvalSamples = r.GetValue(EvalSamplesOption) ?? job.EvalSamples,
        Tokenizer = CommonOptions.FullPath(r.GetValue(TokenizerOption)) ?? job.Tokenizer,
        InitFrom = CommonOptions.FullPath(r.GetValue(InitFromOption)) ?? job.InitFrom,
    };
}
