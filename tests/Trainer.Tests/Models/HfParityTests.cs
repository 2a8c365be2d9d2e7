using Distributed.Trainer.Models;
using Distributed.Trainer.Torch;

namespace Distributed.Trainer.Tests.Models;

// Our loader and models against dumps made with Hugging Face transformers 5.17 (tests/golden/make_golden.py,
// run on the GPU host; the small ones are committed under Golden/): logits, loss and every gradient.
public sealed class HfParityTests
{
    public static TheoryData<string> Models => new() { "opt-tiny", "opt-tiny-postln-proj", "llama-tiny-gqa", "llama-tiny-tied" };

    internal static string Dir(string name) => Path.Combine(AppContext.BaseDirectory, "Golden", name);

    [Theory]
    [MemberData(nameof(Models))]
    public void Float32_logits_loss_and_gradients_match_transformers(string name)
    {
        var r = ReferenceCheck.Run(Dir(name), Device.Cpu, DType.Float32);
        Assert.True(r.Logits <= 1e-4, $"logits relative error {r.Logits:E2}");
        Assert.True(r.Loss <= 1e-4, $"loss relative error {r.Loss:E2}");
        Assert.True(r.WorstGradient <= 1e-3, $"gradient of {r.WorstGradientName}: relative error {r.WorstGradient:E2}");
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Bfloat16_logits_match_transformers_within_bf16_precision(string name)
    {
        var r = ReferenceCheck.Run(Dir(name), Device.Cpu, DType.BFloat16);
        Assert.True(r.Logits <= 2e-2, $"logits relative error {r.Logits:E2}");
        Assert.True(r.Loss <= 2e-2, $"loss relative error {r.Loss:E2}");
    }
}
