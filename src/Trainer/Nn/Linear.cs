using Distributed.Trainer.Torch;

namespace Distributed.Trainer.Nn;

/// <summary>
/// y = x W^T + b with W (out, in), plus an optional LoRA update. Default init is PyTorch's: uniform in
/// ±1/sqrt(in).
/// </summary>
public sealed class Linear : Module
{
    private readonly long _in;
    private readonly long _out;

    public Linear(long inFeatures, long outFeatures, bool bias = true, Generator? generator = null, double? initStd = null)
    {
        _in = inFeatures;
        _out = outFeatures;
        var bound = 1.0 / Math.Sqrt(inFeatures);
        var w = Tensor.Empty([outFeatures, inFeatures]);
        if (initStd is { } std) ParameterInit.Normal(w, std, generator);
        else ParameterInit.Uniform(w, bound, generator);
        Weight = RegisterParameter("weight", w);
        if (bias)
        {
            var b = Tensor.Empty([outFeatures]);
            if (initStd is not null) b.Zero_();
            else ParameterInit.Uniform(b, bound, generator);
            Bias = RegisterParameter("bias", b);
        }
    }

    public Parameter Weight { get; }

    public Parameter? Bias { get; }

    /// <summary>The LoRA adapter, once attached (see <see cref="Nn.Lora"/>).</summary>
    public LoraAdapter? Lora { get; private set; }

    public Tensor Forward(Tensor x)
    {
        var y = Functional.Linear(x, Weight.Data, Bias?.Data);
        return Lora is { Enabled: true, Merged: false } lora ? y + lora.Forward(x) : y;
    }

    /// <summary>Adds a LoRA adapter; its parameters appear as "lora.a" and "lora.b" under this layer.</summary>
    public LoraAdapter AttachLora(int rank, double alpha, Generator? generator)
    {
        if (Lora is not null) throw new InvalidOperationException("this Linear already has a LoRA adapter");
        Lora = RegisterModule("lora", new LoraAdapter(_in, _out, rank, alpha, generator));
        return Lora;
    }

    internal void MergeLora()
    {
        if (Lora is not { Merged: false } lora) return;
        using var scope = TensorScope.Begin();
        using var noGrad = NoGradScope.Begin();
        Weight.Data.Add_(lora.Delta().To(Weight.Data.DType));
        lora.Merged = true;
    }

    internal void UnmergeLora()
    {
        if (Lora is not { Merged: true } lora) return;
        using var scope = TensorScope.Begin();
        using var noGrad = NoGradScope.Begin();
        Weight.Data.Sub_(lora.Delta().To(Weight.Data.DType));
        lora.Merged = false;
    }
}
