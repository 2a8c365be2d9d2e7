using System.Text.Json;
using System.Text.Json.Serialization;

namespace Distributed.Trainer.Checkpoint;

/// <summary>
/// Hugging Face <c>LlamaConfig</c> as stored in config.json. Property defaults are transformers' defaults.
/// Fields this type does not name are kept in <see cref="Extra"/> and written back unchanged.
/// Properties are settable, not init-only: the source-generated deserializer sets every init-only property,
/// overwriting the defaults of those the file omits with zero or null.
/// </summary>
public sealed record LlamaConfig
{
    public const string ModelTypeName = "llama";

    [JsonPropertyName("architectures")] public string[] Architectures { get; set; } = ["LlamaForCausalLM"];
    [JsonPropertyName("model_type")] public string ModelType { get; set; } = ModelTypeName;
    [JsonPropertyName("vocab_size")] public int VocabSize { get; set; } = 32000;
    [JsonPropertyName("hidden_size")] public int HiddenSize { get; set; } = 4096;
    [JsonPropertyName("intermediate_size")] public int IntermediateSize { get; set; } = 11008;
    [JsonPropertyName("num_hidden_layers")] public int NumHiddenLayers { get; set; } = 32;
    [JsonPropertyName("num_attention_heads")] public int NumAttentionHeads { get; set; } = 32;
    /// <summary>Absent or null means multi-head attention (as many key/value heads as query heads).</summary>
    [JsonPropertyName("num_key_value_heads")] public int? NumKeyValueHeads { get; set; }
    /// <summary>Absent or null means hidden_size / num_attention_heads.</summary>
    [JsonPropertyName("head_dim")] public int? HeadDim { get; set; }
    [JsonPropertyName("hidden_act")] public string HiddenAct { get; set; } = "silu";
    [JsonPropertyName("max_position_embeddings")] public int MaxPositionEmbeddings { get; set; } = 2048;
    [JsonPropertyName("initializer_range")] public double InitializerRange { get; set; } = 0.02;
    [JsonPropertyName("rms_norm_eps")] public double RmsNormEps { get; set; } = 1e-6;
    [JsonPropertyName("rope_theta")] public double RopeTheta { get; set; } = 10000.0;
    /// <summary>Kept as JSON: its shape depends on "rope_type" (linear, dynamic, llama3, yarn, ...).</summary>
    [JsonPropertyName("rope_scaling")] public JsonElement? RopeScaling { get; set; }
    /// <summary>transformers >= 5 writes rope_theta and rope_type here instead of at the top level.</summary>
    [JsonPropertyName("rope_parameters"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public JsonElement? RopeParameters { get; set; }
    [JsonPropertyName("attention_bias")] public bool AttentionBias { get; set; }
    [JsonPropertyName("attention_dropout")] public double AttentionDropout { get; set; }
    [JsonPropertyName("mlp_bias")] public bool MlpBias { get; set; }
    [JsonPropertyName("pretraining_tp")] public int PretrainingTp { get; set; } = 1;
    [JsonPropertyName("tie_word_embeddings")] public bool TieWordEmbeddings { get; set; }
    [JsonPropertyName("bos_token_id")] public int? BosTokenId { get; set; } = 1;
    [JsonPropertyName("eos_token_id"), JsonConverter(typeof(TokenIdListConverter))] public int[]? EosTokenId { get; set; } = [2];
    [JsonPropertyName("pad_token_id")] public int? PadTokenId { get; set; }
    [JsonPropertyName("torch_dtype"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? TorchDtype { get; set; }
    /// <summary>transformers 4.56 and later write "dtype" in place of "torch_dtype".</summary>
    [JsonPropertyName("dtype"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Dtype { get; set; }
    [JsonPropertyName("use_cache")] public bool UseCache { get; set; } = true;

    /// <summary>The dtype the weights were saved in, under either key; null when the file does not say.</summary>
    [JsonIgnore] public string? WeightsDtype => Dtype ?? TorchDtype;

    [JsonExtensionData] public Dictionary<string, JsonElement>? Extra { get; set; }

    [JsonIgnore] public int KeyValueHeads => NumKeyValueHeads ?? NumAttentionHeads;

    /// <summary>The RoPE base: rope_parameters.rope_theta where the file has it (transformers >= 5), else rope_theta.</summary>
    [JsonIgnore]
    public double EffectiveRopeTheta =>
        RopeParameters is { ValueKind: JsonValueKind.Object } p && p.TryGetProperty("rope_theta", out var theta) && theta.ValueKind == JsonValueKind.Number
            ? theta.GetDouble()
            : RopeTheta;

    /// <summary>The RoPE variant ("default" unless rope_parameters or rope_scaling names another).</summary>
    [JsonIgnore]
    public string RopeType
    {
        get
        {
            foreach (var element in new[] { RopeParameters, RopeScaling })
            {
                if (element is not { ValueKind: JsonValueKind.Object } e) continue;
                foreach (var key in new[] { "rope_type", "type" })
                    if (e.TryGetProperty(key, out var t) && t.ValueKind == JsonValueKind.String) return t.GetString()!;
            }
            return "default";
        }
    }

    [JsonIgnore] public int HeadDimension => HeadDim ?? HiddenSize / NumAttentionHeads;

    /// <summary>Throws <see cref="HfConfigException"/> naming <paramref name="source"/> and the first bad field.</summary>
    public void Validate(string source)
    {
        var check = new HfConfigValidator(source);
        check.ModelType(ModelType, ModelTypeName);
        check.Positive("vocab_size", VocabSize);
        check.Positive("hidden_size", HiddenSize);
        check.Positive("intermediate_size", IntermediateSize);
        check.Positive("num_hidden_layers", NumHiddenLayers);
        check.Positive("num_attention_heads", NumAttentionHeads);
        check.Positive("max_position_embeddings", MaxPositionEmbeddings);
        if (NumKeyValueHeads is { } kv)
        {
            check.Positive("num_key_value_heads", kv);
            check.Divisible("num_attention_heads", NumAttentionHeads, "num_key_value_heads", kv);
        }
        if (HeadDim is { } headDim)
            check.Positive("head_dim", headDim);
        else
            check.Divisible("hidden_size", HiddenSize, "num_attention_heads", NumAttentionHeads);
        check.Positive("rms_norm_eps", RmsNormEps);
        check.Positive("rope_theta", RopeTheta);
        check.Activation("hidden_act", HiddenAct);
        check.TokenId("bos_token_id", BosTokenId, VocabSize);
        foreach (var eos in EosTokenId ?? [])
            check.TokenId("eos_token_id", eos, VocabSize);
        check.TokenId("pad_token_id", PadTokenId, VocabSize);
        check.TorchDtype("torch_dtype", TorchDtype);
        check.TorchDtype("dtype", Dtype);
    }
}
