using System.Text.Json;
using System.Text.Json.Serialization;

namespace Distributed.Trainer.Checkpoint;

/// <summary>
/// Hugging Face <c>OPTConfig</c> as stored in config.json. Property defaults are transformers' defaults, so a
/// config that omits a field reads as transformers would read it. Fields this type does not name are kept in
/// <see cref="Extra"/> and written back unchanged.
/// Properties are settable, not init-only: the source-generated deserializer sets every init-only property,
/// overwriting the defaults of those the file omits with zero or null.
/// </summary>
public sealed record OptConfig
{
    public const string ModelTypeName = "opt";

    [JsonPropertyName("architectures")] public string[] Architectures { get; set; } = ["OPTForCausalLM"];
    [JsonPropertyName("model_type")] public string ModelType { get; set; } = ModelTypeName;
    [JsonPropertyName("vocab_size")] public int VocabSize { get; set; } = 50272;
    [JsonPropertyName("hidden_size")] public int HiddenSize { get; set; } = 768;
    [JsonPropertyName("num_hidden_layers")] public int NumHiddenLayers { get; set; } = 12;
    [JsonPropertyName("num_attention_heads")] public int NumAttentionHeads { get; set; } = 12;
    [JsonPropertyName("ffn_dim")] public int FfnDim { get; set; } = 3072;
    [JsonPropertyName("max_position_embeddings")] public int MaxPositionEmbeddings { get; set; } = 2048;
    [JsonPropertyName("word_embed_proj_dim")] public int? WordEmbedProjDim { get; set; }
    [JsonPropertyName("do_layer_norm_before")] public bool DoLayerNormBefore { get; set; } = true;
    [JsonPropertyName("_remove_final_layer_norm")] public bool RemoveFinalLayerNorm { get; set; }
    [JsonPropertyName("activation_function")] public string ActivationFunction { get; set; } = "relu";
    [JsonPropertyName("dropout")] public double Dropout { get; set; } = 0.1;
    [JsonPropertyName("attention_dropout")] public double AttentionDropout { get; set; }
    [JsonPropertyName("layerdrop")] public double LayerDrop { get; set; }
    [JsonPropertyName("init_std")] public double InitStd { get; set; } = 0.02;
    [JsonPropertyName("enable_bias")] public bool EnableBias { get; set; } = true;
    [JsonPropertyName("layer_norm_elementwise_affine")] public bool LayerNormElementwiseAffine { get; set; } = true;
    [JsonPropertyName("tie_word_embeddings")] public bool TieWordEmbeddings { get; set; } = true;
    [JsonPropertyName("bos_token_id")] public int? BosTokenId { get; set; } = 2;
    [JsonPropertyName("eos_token_id")] public int? EosTokenId { get; set; } = 2;
    [JsonPropertyName("pad_token_id")] public int? PadTokenId { get; set; } = 1;
    [JsonPropertyName("torch_dtype"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? TorchDtype { get; set; }
    /// <summary>transformers 4.56 and later write "dtype" in place of "torch_dtype".</summary>
    [JsonPropertyName("dtype"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Dtype { get; set; }
    [JsonPropertyName("use_cache")] public bool UseCache { get; set; } = true;

    /// <summary>The dtype the weights were saved in, under either key; null when the file does not say.</summary>
    [JsonIgnore] public string? WeightsDtype => Dtype ?? TorchDtype;

    [JsonExtensionData] public Dictionary<string, JsonElement>? Extra { get; set; }

    /// <summary>OPT-350m projects embeddings to a smaller width; every other size has it equal to hidden_size.</summary>
    [JsonIgnore] public int EmbeddingDim => WordEmbedProjDim ?? HiddenSize;

    [JsonIgnore] public int HeadDim => HiddenSize / NumAttentionHeads;

    /// <summary>Throws <see cref="HfConfigException"/> naming <paramref name="source"/> and the first bad field.</summary>
    public void Validate(string source)
    {
        var check = new HfConfigValidator(source);
        check.ModelType(ModelType, ModelTypeName);
        check.Positive("vocab_size", VocabSize);
        check.Positive("hidden_size", HiddenSize);
        check.Positive("num_hidden_layers", NumHiddenLayers);
        check.Positive("num_attention_heads", NumAttentionHeads);
        check.Positive("ffn_dim", FfnDim);
        check.Positive("max_position_embeddings", MaxPositionEmbeddings);
        if (WordEmbedProjDim is { } proj)
            check.Positive("word_embed_proj_dim", proj);
        check.Divisible("hidden_size", HiddenSize, "num_attention_heads", NumAttentionHeads);
        check.Activation("activation_function", ActivationFunction);
        check.TokenId("bos_token_id", BosTokenId, VocabSize);
        check.TokenId("eos_token_id", EosTokenId, VocabSize);
        check.TokenId("pad_token_id", PadTokenId, VocabSize);
        check.TorchDtype("torch_dtype", TorchDtype);
        check.TorchDtype("dtype", Dtype);
    }
}
