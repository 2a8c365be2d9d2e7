using System.Text.Json.Serialization;

namespace Distributed.Trainer.Data;

[JsonSourceGenerationOptions(
    WriteIndented = true,
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UseStringEnumConverter = true,
    IgnoreReadOnlyProperties = false)]
[JsonSerializable(typeof(DatasetManifest))]
[JsonSerializable(typeof(DataCursor))]
internal sealed partial class DataJsonContext : JsonSerializerContext;
