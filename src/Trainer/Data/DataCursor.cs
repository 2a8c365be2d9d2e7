using System.Text.Json;

namespace Distributed.Trainer.Data;

/// <summary>
/// Where training stands in the global sample order: <see cref="Consumed"/> samples of epoch
/// <see cref="Epoch"/> were trained on. It does not depend on the world size, so a job resumes from it at any
/// size; it goes into every checkpoint.
/// </summary>
public sealed record DataCursor(string DatasetId, ulong Seed, int Epoch, long Consumed)
{
    public string ToJson() => JsonSerializer.Serialize(this, DataJsonContext.Default.DataCursor);

    public static DataCursor FromJson(string json) =>
        JsonSerializer.Deserialize(json, DataJsonContext.Default.DataCursor)
        ?? throw new InvalidDataException("empty data cursor");
}
