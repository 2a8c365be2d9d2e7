using System.Text.Json;
using System.Text.Json.Serialization;

namespace Distributed.Trainer.Checkpoint;

/// <summary>The shape of <c>model.safetensors.index.json</c> as read.</summary>
internal sealed class SafetensorsIndexJson
{
    [JsonPropertyName("metadata")]
    public Dictionary<string, JsonElement>? Metadata { get; set; }

    [JsonPropertyName("weight_map")]
    public Dictionary<string, string>? WeightMap { get; set; }
}

[JsonSourceGenerationOptions(
    WriteIndented = true,
    AllowDuplicateProperties = false,
    ReadCommentHandling = JsonCommentHandling.Disallow,
    NumberHandling = JsonNumberHandling.Strict)]
[JsonSerializable(typeof(SafetensorsIndexJson))]
[JsonSerializable(typeof(OptConfig))]
[JsonSerializable(typeof(LlamaConfig))]
internal sealed partial class CheckpointJsonContext : JsonSerializerContext;
