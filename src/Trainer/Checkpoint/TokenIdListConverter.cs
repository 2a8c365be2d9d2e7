using System.Text.Json;
using System.Text.Json.Serialization;

namespace Distributed.Trainer.Checkpoint;

/// <summary>
/// <c>eos_token_id</c> is a number in most configs and a list in newer ones (Llama 3: [128001, 128008, 128009]).
/// Reads either; writes a single id back as a number so the file keeps its original form.
/// </summary>
internal sealed class TokenIdListConverter : JsonConverter<int[]>
{
    public override int[]? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Number)
            return [reader.GetInt32()];
        if (reader.TokenType != JsonTokenType.StartArray)
            throw new JsonException($"expected a token id or a list of token ids, found {reader.TokenType}");
        var ids = new List<int>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.Number)
                throw new JsonException($"expected a token id in the list, found {reader.TokenType}");
            ids.Add(reader.GetInt32());
        }
        return [.. ids];
    }

    public override void Write(Utf8JsonWriter writer, int[] value, JsonSerializerOptions options)
    {
        if (value.Length == 1)
        {
            writer.WriteNumberValue(value[0]);
            return;
        }
        writer.WriteStartArray();
        foreach (var id in value)
            writer.WriteNumberValue(id);
        writer.WriteEndArray();
    }
}
