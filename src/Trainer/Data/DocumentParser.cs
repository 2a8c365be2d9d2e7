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
        // Utf8JsonReader over the line itself: no copy and no document tree per line on the tokenize job's
        // sequential path. Reading to the end also rejects trailing garbage after the object.
        JsonTokenType? found = null;
        try
        {
            var reader = new Utf8JsonReader(line, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                (kind, reason) = (BadInputKind.MalformedJson, $"expected a JSON object, got {(line.IsEmpty ? "nothing" : reader.TokenType.ToString())}");
                return false;
            }
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var match = found is null && reader.ValueTextEquals(field);
                reader.Read();
                if (match)
                {
                    found = reader.TokenType;
                    if (reader.TokenType == JsonTokenType.String)
                    {
                        text = reader.GetString()!;
                    }
                }
                reader.Skip();
            }
            while (reader.Read())
            {
                // Only whitespace may follow the object; anything else makes Read throw.
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            (kind, reason) = (BadInputKind.MalformedJson, $"malformed JSON: {e.Message}");
            return false;
        }
        if (found != JsonTokenType.String)
        {
            (kind, reason) = (BadInputKind.MissingTextField, found is null
                ? $"no \"{field}\" field (set TokenizeOptions.TextField to the field that holds the text)"
                : $"field \"{field}\" is a {found}, not a string");
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
