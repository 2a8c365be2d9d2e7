using System.Text.Json;
using Distributed.Trainer.Checkpoint;

namespace Distributed.Trainer.Tests.Checkpoint;

public sealed class HfConfigTests : IDisposable
{
    /// <summary>facebook/opt-125m's config.json as published.</summary>
    private const string Opt125m = """
        {
          "_name_or_path": "opt-125m",
          "_remove_final_layer_norm": false,
          "activation_dropout": 0.0,
          "activation_function": "relu",
          "architectures": ["OPTForCausalLM"],
          "attention_dropout": 0.0,
          "bos_token_id": 2,
          "do_layer_norm_before": true,
          "dropout": 0.1,
          "eos_token_id": 2,
          "ffn_dim": 3072,
          "hidden_size": 768,
          "init_std": 0.02,
          "layerdrop": 0.0,
          "max_position_embeddings": 2048,
          "model_type": "opt",
          "num_attention_heads": 12,
          "num_hidden_layers": 12,
          "pad_token_id": 1,
          "prefix": "</s>",
          "torch_dtype": "float16",
          "transformers_version": "4.21.0.dev0",
          "use_cache": true,
          "vocab_size": 50272,
          "word_embed_proj_dim": 768
        }
        """;

    /// <summary>meta-llama/Llama-2-7b-hf's config.json as published.</summary>
    private const string Llama2 = """
        {
          "architectures": ["LlamaForCausalLM"],
          "bos_token_id": 1,
          "eos_token_id": 2,
          "hidden_act": "silu",
          "hidden_size": 4096,
          "initializer_range": 0.02,
          "intermediate_size": 11008,
          "max_position_embeddings": 4096,
          "model_type": "llama",
          "num_attention_heads": 32,
          "num_hidden_layers": 32,
          "num_key_value_heads": 32,
          "pretraining_tp": 1,
          "rms_norm_eps": 1e-05,
          "rope_scaling": null,
          "tie_word_embeddings": false,
          "torch_dtype": "float16",
          "transformers_version": "4.31.0.dev0",
          "use_cache": true,
          "vocab_size": 32000
        }
        """;

    /// <summary>meta-llama/Llama-3.1-8B's config.json: grouped-query attention, a list of eos ids, llama3 RoPE scaling.</summary>
    private const string Llama31 = """
        {
          "architectures": ["LlamaForCausalLM"],
          "attention_bias": false,
          "attention_dropout": 0.0,
          "bos_token_id": 128000,
          "eos_token_id": [128001, 128008, 128009],
          "hidden_act": "silu",
          "hidden_size": 4096,
          "initializer_range": 0.02,
          "intermediate_size": 14336,
          "max_position_embeddings": 131072,
          "mlp_bias": false,
          "model_type": "llama",
          "num_attention_heads": 32,
          "num_hidden_layers": 32,
          "num_key_value_heads": 8,
          "pretraining_tp": 1,
          "rms_norm_eps": 1e-05,
          "rope_scaling": {
            "factor": 8.0,
            "low_freq_factor": 1.0,
            "high_freq_factor": 4.0,
            "original_max_position_embeddings": 8192,
            "rope_type": "llama3"
          },
          "rope_theta": 500000.0,
          "tie_word_embeddings": false,
          "torch_dtype": "bfloat16",
          "transformers_version": "4.43.0.dev0",
          "use_cache": true,
          "vocab_size": 128256
        }
        """;

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Write(string json) => _dir.Write("config.json", System.Text.Encoding.UTF8.GetBytes(json));

    [Fact]
    public void Reads_opt_125m()
    {
        var path = Write(Opt125m);

        Assert.Equal("opt", HfConfigFile.ReadModelType(path));
        var config = HfConfigFile.LoadOpt(path);

        Assert.Equal(["OPTForCausalLM"], config.Architectures);
        Assert.Equal(50272, config.VocabSize);
        Assert.Equal(768, config.HiddenSize);
        Assert.Equal(12, config.NumHiddenLayers);
        Assert.Equal(12, config.NumAttentionHeads);
        Assert.Equal(3072, config.FfnDim);
        Assert.Equal(2048, config.MaxPositionEmbeddings);
        Assert.Equal(768, config.WordEmbedProjDim);
        Assert.True(config.DoLayerNormBefore);
        Assert.Equal("relu", config.ActivationFunction);
        Assert.Equal((2, 2, 1), (config.BosTokenId, config.EosTokenId, config.PadTokenId));
        Assert.Equal("float16", config.TorchDtype);
        Assert.True(config.TieWordEmbeddings);
        Assert.Equal(64, config.HeadDim);
        Assert.Equal("</s>", config.Extra!["prefix"].GetString());
    }

    [Fact]
    public void Opt_defaults_are_transformers_defaults()
    {
        var config = HfConfigFile.LoadOpt(Write("""{"model_type":"opt","hidden_size":1024,"num_attention_heads":16,"word_embed_proj_dim":512}"""));

        Assert.Equal(512, config.EmbeddingDim);
        Assert.Equal(50272, config.VocabSize);
        Assert.Equal(12, config.NumHiddenLayers);
        Assert.True(config.EnableBias);
        Assert.Null(config.WeightsDtype);
        Assert.Equal(1024, HfConfigFile.LoadOpt(Write("""{"model_type":"opt","hidden_size":1024,"num_attention_heads":16}""")).EmbeddingDim);
    }

    [Fact]
    public void Reads_llama_2()
    {
        var config = HfConfigFile.LoadLlama(Write(Llama2));

        Assert.Equal(32000, config.VocabSize);
        Assert.Equal(11008, config.IntermediateSize);
        Assert.Equal(32, config.KeyValueHeads);
        Assert.Equal(128, config.HeadDimension);
        Assert.Equal(1e-5, config.RmsNormEps);
        Assert.Equal(10000.0, config.RopeTheta);
        Assert.Null(config.RopeScaling);
        Assert.Equal([2], config.EosTokenId!);
        Assert.Null(config.PadTokenId);
        Assert.False(config.TieWordEmbeddings);
    }

    [Fact]
    public void Reads_llama_3_1_with_grouped_query_attention_and_eos_list()
    {
        var config = HfConfigFile.LoadLlama(Write(Llama31));

        Assert.Equal(8, config.KeyValueHeads);
        Assert.Equal([128001, 128008, 128009], config.EosTokenId!);
        Assert.Equal(500000.0, config.RopeTheta);
        Assert.Equal("llama3", config.RopeScaling!.Value.GetProperty("rope_type").GetString());
        Assert.Equal("bfloat16", config.TorchDtype);
    }

    [Fact]
    public void Reads_the_dtype_key_of_newer_transformers_and_writes_back_only_the_keys_it_read()
    {
        var path = Write("""{"model_type":"llama","dtype":"bfloat16","num_hidden_layers":2}""");

        var config = HfConfigFile.LoadLlama(path);
        HfConfigFile.Save(path, config);

        Assert.Equal("bfloat16", config.WeightsDtype);
        Assert.Null(config.TorchDtype);
        using var written = JsonDocument.Parse(File.ReadAllBytes(path));
        Assert.Equal("bfloat16", written.RootElement.GetProperty("dtype").GetString());
        Assert.False(written.RootElement.TryGetProperty("torch_dtype", out _));
        Assert.Equal("float16", HfConfigFile.LoadLlama(Write(Llama2)).WeightsDtype);
    }

    [Fact]
    public void Llama_round_trip_keeps_every_field()
    {
        var original = HfConfigFile.LoadLlama(Write(Llama31));
        var path = _dir.File("out.json");

        HfConfigFile.Save(path, original with { NumHiddenLayers = 2 });

        using var written = JsonDocument.Parse(File.ReadAllBytes(path));
        using var source = JsonDocument.Parse(Llama31);
        // Every field of the published file is written back with the same value (except the one changed).
        foreach (var property in source.RootElement.EnumerateObject())
        {
            var value = written.RootElement.GetProperty(property.Name);
            if (property.Name == "num_hidden_layers")
                Assert.Equal(2, value.GetInt32());
            else
                Assert.True(JsonElement.DeepEquals(property.Value, value), $"{property.Name}: {property.Value} became {value}");
        }
        Assert.Equal("llama", written.RootElement.GetProperty("model_type").GetString());
        Assert.Equal(2, HfConfigFile.LoadLlama(path).NumHiddenLayers);
    }

    [Fact]
    public void Opt_written_from_scratch_has_what_transformers_needs()
    {
        var path = _dir.File("config.json");

        HfConfigFile.Save(path, new OptConfig { HiddenSize = 64, NumAttentionHeads = 4, NumHiddenLayers = 2, FfnDim = 256, TorchDtype = "bfloat16" });

        using var written = JsonDocument.Parse(File.ReadAllBytes(path));
        var root = written.RootElement;
        Assert.Equal("opt", root.GetProperty("model_type").GetString());
        Assert.Equal("OPTForCausalLM", root.GetProperty("architectures")[0].GetString());
        Assert.Equal(64, root.GetProperty("hidden_size").GetInt32());
        Assert.Equal(2, root.GetProperty("eos_token_id").GetInt32());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("word_embed_proj_dim").ValueKind);
        Assert.False(root.TryGetProperty("Extra", out _));
        Assert.False(root.TryGetProperty("HeadDim", out _));
        Assert.Equal(64, HfConfigFile.LoadOpt(path).EmbeddingDim);
    }

    public static TheoryData<string, string> BadLlamaConfigs() => new()
    {
        { """{"model_type":"opt"}""", "model_type is 'opt', expected 'llama'" },
        { """{"model_type":"llama","hidden_size":100,"num_attention_heads":32}""", "hidden_size (100) must be divisible by num_attention_heads (32)" },
        { """{"model_type":"llama","num_key_value_heads":5}""", "num_attention_heads (32) must be divisible by num_key_value_heads (5)" },
        { """{"model_type":"llama","num_key_value_heads":0}""", "num_key_value_heads must be positive, found 0" },
        { """{"model_type":"llama","vocab_size":-1}""", "vocab_size must be positive, found -1" },
        { """{"model_type":"llama","rms_norm_eps":0}""", "rms_norm_eps must be a positive finite number, found 0" },
        { """{"model_type":"llama","eos_token_id":[2, 32000]}""", "eos_token_id 32000 is outside the vocabulary [0, 32000)" },
        { """{"model_type":"llama","hidden_act":"mish"}""", "hidden_act 'mish' is not a known activation" },
        { """{"model_type":"llama","torch_dtype":"float8"}""", "torch_dtype 'float8' is not one of" },
        { """{"model_type":"llama","dtype":"int4"}""", "dtype 'int4' is not one of" },
        { """{"model_type":"llama","hidden_size":"4096"}""", "cannot read as LlamaConfig" },
        { """{"model_type":"llama","hidden_size":4096.5}""", "$.hidden_size" },
        { """{"model_type":"llama","eos_token_id":"2"}""", "expected a token id or a list of token ids" },
        { """{"model_type":"llama",""", "cannot read as LlamaConfig" },
        { "null", "JSON null" },
    };

    [Theory]
    [MemberData(nameof(BadLlamaConfigs))]
    public void Bad_llama_config_names_the_problem(string json, string expected)
    {
        var path = Write(json);

        var e = Assert.Throws<HfConfigException>(() => HfConfigFile.LoadLlama(path));

        Assert.StartsWith(path + ": ", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Bad_opt_config_names_the_problem()
    {
        var path = Write("""{"model_type":"opt","ffn_dim":0}""");

        var e = Assert.Throws<HfConfigException>(() => HfConfigFile.LoadOpt(path));

        Assert.Contains("ffn_dim must be positive, found 0", e.Message);
        Assert.Contains("pad_token_id 1 is outside the vocabulary [0, 1)",
            Assert.Throws<HfConfigException>(() => HfConfigFile.LoadOpt(Write("""{"model_type":"opt","vocab_size":1,"bos_token_id":0,"eos_token_id":0}"""))).Message);
    }

    [Fact]
    public void Saving_an_invalid_config_writes_nothing()
    {
        var path = _dir.File("config.json");

        Assert.Throws<HfConfigException>(() => HfConfigFile.Save(path, new LlamaConfig { NumKeyValueHeads = 3 }));

        Assert.Empty(_dir.FileNames());
    }

    [Fact]
    public void Model_type_is_read_without_choosing_a_family()
    {
        Assert.Equal("llama", HfConfigFile.ReadModelType(Write(Llama2)));
        Assert.Contains("no string 'model_type'", Assert.Throws<HfConfigException>(() => HfConfigFile.ReadModelType(Write("""{"hidden_size":1}"""))).Message);
        Assert.Contains("not valid JSON", Assert.Throws<HfConfigException>(() => HfConfigFile.ReadModelType(Write("{"))).Message);
    }
}
