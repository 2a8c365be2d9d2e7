namespace Distributed.Trainer.Checkpoint;

/// <summary>The checks shared by the config records; each failure names the file, the field and the value.</summary>
internal readonly struct HfConfigValidator(string source)
{
    /// <summary>transformers' ACT2FN names that a decoder config of these families uses.</summary>
    private static readonly HashSet<string> Activations =
        ["relu", "gelu", "gelu_new", "gelu_fast", "gelu_pytorch_tanh", "quick_gelu", "silu", "swish", "tanh", "sigmoid"];

    private static readonly HashSet<string> TorchDtypes = ["float32", "float16", "bfloat16"];

    public void ModelType(string actual, string expected)
    {
        if (actual != expected)
            Fail($"model_type is '{actual}', expected '{expected}'");
    }

    public void Positive(string field, long value)
    {
        if (value <= 0)
            Fail($"{field} must be positive, found {value}");
    }

    public void Positive(string field, double value)
    {
        if (!(value > 0) || double.IsInfinity(value))
            Fail($"{field} must be a positive finite number, found {value}");
    }

    public void Divisible(string field, int value, string divisorField, int divisor)
    {
        if (divisor > 0 && value % divisor != 0)
            Fail($"{field} ({value}) must be divisible by {divisorField} ({divisor})");
    }

    public void Activation(string field, string value)
    {
        if (!Activations.Contains(value))
            Fail($"{field} '{value}' is not a known activation (known: {string.Join(", ", Activations)})");
    }

    public void TokenId(string field, int? value, int vocabSize)
    {
        if (value is { } id && (id < 0 || id >= vocabSize))
            Fail($"{field} {id} is outside the vocabulary [0, {vocabSize})");
    }

    public void TorchDtype(string field, string? value)
    {
        if (value is not null && !TorchDtypes.Contains(value))
            Fail($"{field} '{value}' is not one of {string.Join(", ", TorchDtypes)}");
    }

    private void Fail(string problem) => throw new HfConfigException(source, problem);
}
