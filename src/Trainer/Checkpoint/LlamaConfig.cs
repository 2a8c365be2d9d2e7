using System.Text.Json;
using System.Text.Json.Serialization;

namespace Distributed.Trainer.Checkpoint;

/// <summary>
/// Hugging Face <c>LlamaConfig</c> as stored in config.json. Property defaults are transformers' defaults.
/// Fields this type does not name are kept in <see cref="Extra"/> and written back unchanged.
/// </summary>
public sealed record LlamaConfig
{
    public const string ModelTypeName = "llama";

    [JsonPropertyName("architectures")] public string[] Architectures { get; init; } = ["LlamaForCausalLM"];
    [JsonPropertyName("model_type")] public string ModelType { get; init; } = ModelTypeName;
    [JsonPropertyName("vocab_size")] public int VocabSize { get; init; } = 32000;
    [JsonPropertyName("hidden_size")] public int HiddenSize { get; init; } = 4096;
    [JsonPropertyName("intermediate_size")] public int IntermediateSize { get; init; } = 11008;
    [JsonPropertyName("num_hidden_layers")] public int NumHiddenLayers { get; init; } = 32;
    [JsonPropertyName("num_attention_heads")] public int NumAttentionHeads { get; init; } = 32;
    /// <summary>Absent or null means multi-head attention (as many key/value heads as query heads).</summary>
    [JsonPropertyName("num_key_value_heads")] public int? NumKeyValueHeads { get; init; }
    /// <summary>Absent or null means hidden_size / num_attention_heads.</summary>
    [JsonPropertyName("head_dim")] public int? HeadDim { get; init; }
    [JsonPropertyName("hidden_act")] public string HiddenAct { get; init; } = "silu";
    [JsonPropertyName("max_position_embeddings")] public int MaxPositionEmbeddings { get; init; } = 2048;
    [JsonPropertyName("initializer_range")] public double InitializerRange { get; init; } = 0.02;
    [JsonPropertyName("rms_norm_eps")] public double RmsNormEps { get; init; } = 1e-6;
    [JsonPropertyName("rope_theta")] public double RopeTheta { get; init; } = 10000.0;
    /// <summary>Kept as JSON: its shape depends on "rope_type" (linear, dynamic, llama3, yarn, ...).</summary>
    [JsonPropertyName("rope_scaling")] public JsonElement? RopeScaling { get; init; }
    [JsonPropertyName("attention_bias")] public bool AttentionBias { get; init; }
    [JsonPropertyName("attention_dropout")] public double AttentionDropout { get; init; }
    [JsonPropertyName("mlp_bias")] public bool MlpBias { get; init; }
    [JsonPropertyName("pretraining_tp")] public int PretrainingTp { get; init; } = 1;
    [JsonPropertyName("tie_word_embeddings")] public bool TieWordEmbeddings { get; init; }
    [JsonPropertyName("bos_token_id")] public int? BosTokenId { get; init; } = 1;
    [JsonPropertyName("eos_token_id"), JsonConverter(typeof(TokenIdListConverter))] public int[]? EosTokenId { get; init; } = [2];
    [JsonPropertyName("pad_token_id")] public int? PadTokenId { get; init; }
    [JsonPropertyName("torch_dtype")] public string? TorchDtype { get; init; }
    [JsonPropertyName("use_cache")] public bool UseCache { get; init; } = true;

    [JsonExtensionData] public Dictionary<string, JsonElement>? Extra { get; init; }

    [JsonIgnore] public int KeyValueHeads => NumKeyValueHeads ?? NumAttentionHeads;

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
        check.TorchDtype(TorchDtype);
    }
}
