using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Distributed.Trainer.Checkpoint;

/// <summary>Reads and writes Hugging Face <c>config.json</c> for the model families this project trains.</summary>
public static class HfConfigFile
{
    /// <summary>The file's <c>model_type</c> ("opt", "llama", ...), to pick the loader.</summary>
    public static string ReadModelType(string path)
    {
        using var document = ParseDocument(path);
        if (document.RootElement.ValueKind != JsonValueKind.Object
            || !document.RootElement.TryGetProperty("model_type", out var modelType)
            || modelType.ValueKind != JsonValueKind.String)
            throw new HfConfigException(path, "no string 'model_type' at the top level");
        return modelType.GetString()!;
    }

    public static OptConfig LoadOpt(string path)
    {
        var config = Deserialize(path, CheckpointJsonContext.Default.OptConfig);
        config.Validate(path);
        return config;
    }

    public static LlamaConfig LoadLlama(string path)
    {
        var config = Deserialize(path, CheckpointJsonContext.Default.LlamaConfig);
        config.Validate(path);
        return config;
    }

    /// <summary>An OPT config given inline (e.g. inside a job file); <paramref name="source"/> names it in errors.</summary>
    public static OptConfig ParseOpt(JsonElement json, string source)
    {
        var config = json.Deserialize(CheckpointJsonContext.Default.OptConfig) ?? throw new HfConfigException(source, "the config is null");
        config.Validate(source);
        return config;
    }

    /// <summary>A Llama config given inline (e.g. inside a job file); <paramref name="source"/> names it in errors.</summary>
    public static LlamaConfig ParseLlama(JsonElement json, string source)
    {
        var config = json.Deserialize(CheckpointJsonContext.Default.LlamaConfig) ?? throw new HfConfigException(source, "the config is null");
        config.Validate(source);
        return config;
    }

    /// <summary>Validates, then writes atomically a config.json that transformers' AutoConfig loads.</summary>
    public static void Save(string path, OptConfig config)
    {
        config.Validate(path);
        Serialize(path, config, CheckpointJsonContext.Default.OptConfig);
    }

    /// <inheritdoc cref="Save(string, OptConfig)"/>
    public static void Save(string path, LlamaConfig config)
    {
        config.Validate(path);
        Serialize(path, config, CheckpointJsonContext.Default.LlamaConfig);
    }

    /// <summary>The config.json bytes of a validated OPT config (what <see cref="Save(string, OptConfig)"/> writes).</summary>
    public static byte[] ToJson(OptConfig config)
    {
        config.Validate("config");
        return [.. JsonSerializer.SerializeToUtf8Bytes(config, CheckpointJsonContext.Default.OptConfig), (byte)'\n'];
    }

    /// <inheritdoc cref="ToJson(OptConfig)"/>
    public static byte[] ToJson(LlamaConfig config)
    {
        config.Validate("config");
        return [.. JsonSerializer.SerializeToUtf8Bytes(config, CheckpointJsonContext.Default.LlamaConfig), (byte)'\n'];
    }

    private static JsonDocument ParseDocument(string path)
    {
        try
        {
            return JsonDocument.Parse(File.ReadAllBytes(path));
        }
        catch (JsonException e)
        {
            throw new HfConfigException(path, $"not valid JSON: {e.Message}", e);
        }
    }

    private static T Deserialize<T>(string path, JsonTypeInfo<T> typeInfo)
    {
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllBytes(path), typeInfo)
                ?? throw new HfConfigException(path, "the file holds JSON null, not a config object");
        }
        catch (JsonException e)
        {
            // The serializer's message carries the JSON path of the bad field ("$.hidden_size").
            throw new HfConfigException(path, $"cannot read as {typeof(T).Name}: {e.Message}", e);
        }
    }

    private static void Serialize<T>(string path, T config, JsonTypeInfo<T> typeInfo) =>
        AtomicFile.Write(path, stream =>
        {
            JsonSerializer.Serialize(stream, config, typeInfo);
            stream.WriteByte((byte)'\n');
        });
}
