using System.CommandLine;
using Distributed.Trainer.Training;
using Serilog;

namespace Distributed.Silo.Commands;

/// <summary>
/// `distributed train [--job FILE] [overrides]`: runs a training job in this process. Without a job file
/// it trains the main job's small Llama over UTF-8 bytes of the packaged English corpus on the CPU and
/// logs the loss as it falls.
/// </summary>
public static class TrainCommand
{
    public static Command Create()
    {
        var job = new Option<FileInfo?>("--job") { Description = "a JSON job file (see src/Trainer/Training/JobFile.cs for its fields)" };
        var objective = new Option<string?>("--objective") { Description = "lm or autocompressor" };
        var steps = new Option<int?>("--steps") { Description = "optimizer steps" };
        var device = new Option<string?>("--device") { Description = "cpu or cuda:N" };
        var dtype = new Option<string?>("--dtype") { Description = "parameter dtype: f32 or bf16" };
        var seed = new Option<int?>("--seed") { Description = "seed of initialisation and sampling" };
        var output = new Option<string?>("--output") { Description = "save the trained model here in Hugging Face layout" };
        var command = new Command("train", "Train a model on one device from a job file, or the main job's small LM on real English text")
        {
            job, objective, steps, device, dtype, seed, output,
        };
        command.SetAction((r, ct) =>
        {
            var file = r.GetValue(job) is { } f ? JobFile.Load(f.FullName) : new JobFile();
            file = file with
            {
                Objective = r.GetValue(objective) ?? file.Objective,
                Steps = r.GetValue(steps) ?? file.Steps,
                Device = r.GetValue(device) ?? file.Device,
                DType = r.GetValue(dtype) ?? file.DType,
                Seed = r.GetValue(seed) ?? file.Seed,
                OutputDirectory = r.GetValue(output) ?? file.OutputDirectory,
            };
            return RunAsync(file, ct);
        });
        return command;
    }

    private static async Task<int> RunAsync(JobFile job, CancellationToken cancellationToken)
    {
        var result = await JobRunner.RunAsync(job, Log.Logger, cancellationToken);
        if (result.HeldOutAfter >= result.HeldOutBefore)
        {
            Log.Error("The held-out loss did not fall ({Before:F3} -> {After:F3}): check the learning rate and the data", result.HeldOutBefore, result.HeldOutAfter);
            return 1;
        }
        return 0;
    }
}
