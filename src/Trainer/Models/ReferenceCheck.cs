using Distributed.Trainer.Checkpoint;
using Distributed.Trainer.Nn;
using Distributed.Trainer.Torch;

namespace Distributed.Trainer.Models;

/// <summary>
/// How far one forward/backward of our model is from a reference dump (relative L2 errors). HfBf16Gradient,
/// where the dump has it, is how far transformers' own bf16 gradients are from its fp32 ones.
/// </summary>
public sealed record ReferenceComparison(string Model, Device Device, DType DType, double Logits, double Loss, double WorstGradient, string WorstGradientName,
    double? HfBf16Gradient);

/// <summary>
/// Compares a Hugging Face model directory run through our loader against the dump that
/// tests/golden/make_golden.py wrote beside it with transformers (golden.safetensors: input_ids, logits,
/// loss, and grad.&lt;HF name&gt; for every parameter after backward of the next-token loss).
/// </summary>
public static class ReferenceCheck
{
    public const string GoldenFileName = "golden.safetensors";

    public static ReferenceComparison Run(string directory, Device device, DType dtype)
    {
        using var scope = TensorScope.Begin();
        using var model = HfCheckpoint.Load(directory);
        var map = model.HfNames;
        using var flat = FlatParameters.Build(model, device, dtype);
        using var golden = SafetensorsFile.Open(Path.Combine(directory, GoldenFileName));
        var ids = TensorFiles.Read(golden, "input_ids").To(device);
        long b = ids.Size(0), t = ids.Size(1);
        var positions = Tensor.Arange(t, device: device).Unsqueeze(0).Expand(b, t);
        var logits = model.Logits(model.Hidden(model.EmbedTokens(ids), positions)); // (B, T, V)
        var v = logits.Size(-1);
        var loss = Functional.CrossEntropy(logits.Narrow(1, 0, t - 1).Reshape(-1, v).To(DType.Float32), ids.Narrow(1, 1, t - 1).Reshape(-1));
        loss.Backward();
        var logitsError = RelativeError(TensorFiles.Read(golden, "logits"), logits);
        var lossError = RelativeError(TensorFiles.Read(golden, "loss"), loss);
        double worst = 0;
        var worstName = "";
        var grads = model.NamedParameters()
            .Select(x => (Hf: map.ToHf(x.Name), Expected: TensorFiles.Read(golden, "grad." + map.ToHf(x.Name)),
                Actual: x.Parameter.Grad() ?? throw new InvalidOperationException($"{x.Name} received no gradient")))
            .ToList();
        // Some gradients are zero in exact arithmetic (a key bias shifts every score of a row alike, and
        // softmax ignores that), so their own norm is rounding noise: measure against a floor of 1e-3 of
        // the whole gradient's norm.
        var floor = 1e-3 * Math.Sqrt(grads.Sum(g => g.Expected.ToDoubleArray().Sum(x => x * x)));
        foreach (var (hf, expected, grad) in grads)
        {
            var error = RelativeError(expected, grad, floor);
            if (error > worst || double.IsNaN(error))
            {
                worst = error;
                worstName = hf;
            }
        }
        double? hfBf16 = golden.Contains("hf_bf16_grad_error") ? TensorFiles.Read(golden, "hf_bf16_grad_error").ToDoubleArray()[0] : null;
        return new ReferenceComparison(Path.GetFileName(directory), device, dtype, logitsError, lossError, worst, worstName, hfBf16);
    }

    private static double RelativeError(Tensor expected, Tensor actual, double floor = 1e-30)
    {
        var e = expected.ToDoubleArray();
        var a = actual.ToDoubleArray();
        if (e.Length != a.Length) return double.PositiveInfinity;
        double diff = 0, norm = 0;
        for (var i = 0; i < e.Length; i++)
        {
            diff += (a[i] - e[i]) * (a[i] - e[i]);
            norm += e[i] * e[i];
        }
        return Math.Sqrt(diff) / Math.Max(Math.Sqrt(norm), floor);
    }
}
