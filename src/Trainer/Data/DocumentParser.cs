using System.Text.Json;
using System.Text.Unicode;

namespace Distributed.Trainer.Data;

/// <summary>Turns one JSONL line into a document's text, or says which kind of bad input it is.</summary>
internal static class DocumentParser
{
    public static bool TryParse(ReadOnlySpan<byte> line, string field, out string text, out BadInputKind kind, out string reason)
    {
        text = "";
        kind = default;
        if (!Utf8.IsValid(line))
        {
            var valid = ValidPrefixLength(line);
            (kind, reason) = (BadInputKind.InvalidUtf8, $"invalid UTF-8 at byte {valid} of the line");
            return false;
        }
        try
        {
            using var doc = JsonDocument.Parse(line.ToArray());
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                (kind, reason) = (BadInputKind.MalformedJson, $"expected a JSON object, got {doc.RootElement.ValueKind}");
                return false;
            }
            if (!doc.RootElement.TryGetProperty(field, out var value) || value.ValueKind != JsonValueKind.String)
            {
                (kind, reason) = (BadInputKind.MissingTextField, value.ValueKind == JsonValueKind.Undefined
                    ? $"no \"{field}\" field (set TokenizeOptions.TextField to the field that holds the text)"
                    : $"field \"{field}\" is a {value.ValueKind}, not a string");
                return false;
            }
            text = value.GetString()!;
        }
        catch (JsonException e)
        {
            (kind, reason) = (BadInputKind.MalformedJson, $"malformed JSON: {e.Message}");
            return false;
        }
        if (string.IsNullOrWhiteSpace(text))
        {
            (kind, reason) = (BadInputKind.EmptyDocument, $"field \"{field}\" is empty");
            return false;
        }
        reason = "";
        return true;
    }

    private static int ValidPrefixLength(ReadOnlySpan<byte> line)
    {
        var at = 0;
        while (at < line.Length && System.Text.Rune.DecodeFromUtf8(line[at..], out _, out var consumed) == System.Buffers.OperationStatus.Done)
        {
            at += consumed;
        }
        return at;
    }
}
