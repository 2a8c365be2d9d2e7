using System.CommandLine;
using System.Diagnostics;
using System.Text;
using Distributed.Trainer.Checkpoint;
using Distributed.Trainer.Models;
using Distributed.Trainer.Torch;
using Distributed.Trainer.Training;
using Serilog;

namespace Distributed.Silo.Commands;

/// <summary>
/// `distributed train`: trains a small Llama-style decoder on real English text on one device and logs the
/// loss as it falls. Tokens are UTF-8 bytes, which keeps the output layer small enough for a CPU.
/// </summary>
public static class TrainCommand
{
    public static Command Create()
    {
        var text = new Option<FileInfo[]>("--text") { Description = "UTF-8 text files to train on (default: the packaged English corpus)", AllowMultipleArgumentsPerToken = true };
        var steps = new Option<int>("--steps") { Description = "optimizer steps", DefaultValueFactory = _ => 300 };
        var seqLen = new Option<int>("--seq-len") { Description = "tokens per training window", DefaultValueFactory = _ => 128 };
        var batch = new Option<int>("--batch") { Description = "windows per micro-batch", DefaultValueFactory = _ => 16 };
        var lr = new Option<double>("--lr") { Description = "peak learning rate", DefaultValueFactory = _ => 2e-3 };
        var device = new Option<string>("--device") { Description = "cpu or cuda:N", DefaultValueFactory = _ => "cpu" };
        var dtype = new Option<string>("--dtype") { Description = "parameter dtype: f32 or bf16", DefaultValueFactory = _ => "f32" };
        var seed = new Option<int>("--seed") { Description = "seed of initialisation and sampling", DefaultValueFactory = _ => 1 };
        var logEvery = new Option<int>("--log-every") { Description = "steps between progress lines", DefaultValueFactory = _ => 20 };
        var command = new Command("train", "Train a small decoder LM on real English text and show the loss falling")
        {
            text, steps, seqLen, batch, lr, device, dtype, seed, logEvery,
        };
        command.SetAction(r => Run(
            r.GetValue(text), r.GetValue(steps), r.GetValue(seqLen), r.GetValue(batch), r.GetValue(lr),
            Device.Parse(r.GetValue(device)!), DTypeExtensions.Parse(r.GetValue(dtype)!), r.GetValue(seed), r.GetValue(logEvery)));
        return command;
    }

    private static int Run(FileInfo[]? textFiles, int steps, int seqLen, int batch, double lr, Device device, DType dtype, int seed, int logEvery)
    {
        var files = textFiles is { Length: > 0 } ? textFiles.Select(f => f.FullName).ToArray() : EnglishCorpus.Locate();
        var bytes = files.SelectMany(File.ReadAllBytes).Select(b => (int)b).ToArray();
        Log.Information("Corpus: {Files} files, {Bytes:N0} bytes of UTF-8 text", files.Length, bytes.Length);
        var windows = new TokenWindows(bytes, seqLen, heldOutFraction: 0.05, seed);
        var config = new LlamaConfig
        {
            VocabSize = 256,
            HiddenSize = 128,
            IntermediateSize = 352,
            NumHiddenLayers = 4,
            NumAttentionHeads = 4,
            NumKeyValueHeads = 2,
            MaxPositionEmbeddings = Math.Max(256, seqLen),
            TieWordEmbeddings = true,
        };
        using var generator = new Generator(seed);
        using var model = new Llama(config, generator);
        var options = new LmTrainingOptions(seqLen, batch, MaxLr: lr, MinLr: lr / 10, WarmupSteps: Math.Min(20, steps / 10), TotalSteps: steps);
        using var trainer = new LmTrainer(model, model, device, dtype, options);
        Log.Information("Model: Llama-style decoder, {Parameters:N0} parameters, {Layers} layers, on {Device} in {DType} (libtorch {Version})",
            model.ParameterCount, config.NumHiddenLayers, device, dtype, LibTorch.Version);

        var heldOut = windows.HeldOutBatches(batch, 8).ToList();
        var before = trainer.Evaluate(heldOut);
        Log.Information("Held-out loss before training: {Loss:F3} (uniform over bytes would be {Uniform:F3})", before, Math.Log(256));
        var clock = Stopwatch.StartNew();
        long tokens = 0;
        for (var step = 0; step < steps; step++)
        {
            var result = trainer.Step([windows.NextTrainBatch(batch)]);
            tokens += result.Tokens;
            if (result.Step % logEvery == 0 || result.Step == steps)
                Log.Information("step {Step}/{Steps} ({Percent:F0}%) loss {Loss:F3} grad-norm {GradNorm:F2} lr {Lr:E2} {TokensPerSecond:N0} tok/s",
                    result.Step, steps, 100.0 * result.Step / steps, result.Loss, result.GradNorm, result.Lr, tokens / clock.Elapsed.TotalSeconds);
        }
        var after = trainer.Evaluate(heldOut);
        Log.Information("Held-out loss after {Steps} steps: {Loss:F3} (was {Before:F3}); {Seconds:F1} s", steps, after, before, clock.Elapsed.TotalSeconds);
        if (after >= before)
        {
            Log.Error("The held-out loss did not fall: check the learning rate and the corpus");
            return 1;
        }
        return 0;
    }
}
