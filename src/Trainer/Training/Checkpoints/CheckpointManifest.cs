using System.Text.Json;

namespace Distributed.Trainer.Training.Checkpoints;

/// <summary>
/// A checkpoint's manifest (<see cref="CheckpointLayout.CommitMarker"/>): the step, the world that wrote it and every
/// file with its size, SHA-256 and writer rank. Creating it is the commit: it is written after every file it lists,
/// with a write that never replaces an existing manifest, so of two committers exactly one wins.
/// </summary>
public sealed record CheckpointManifest(long Step, int WorldSize, IReadOnlyList<CheckpointEntry> Files, int FormatVersion = CheckpointLayout.FormatVersion)
{
    public long Bytes => Files.Sum(f => f.Bytes);

    /// <summary>Commits checkpoint <paramref name="name"/>: true when this call wrote the manifest, false when one was already there (left as it was).</summary>
    public Task<bool> TryCommitAsync(ICheckpointStore store, string name, CancellationToken cancellationToken = default) =>
        store.TryCreateAsync(name, CheckpointLayout.CommitMarker, (stream, _) =>
        {
            WriteTo(stream);
            return Task.CompletedTask;
        }, cancellationToken);

    /// <summary>The manifest of checkpoint <paramref name="name"/>, or null when it has none (it was never committed).</summary>
    public static async Task<CheckpointManifest?> ReadAsync(ICheckpointStore store, string name, CancellationToken cancellationToken = default)
    {
        if (!await store.ExistsAsync(name, CheckpointLayout.CommitMarker, cancellationToken).ConfigureAwait(false)) return null;
        var path = await store.FetchAsync(name, CheckpointLayout.CommitMarker, cancellationToken).ConfigureAwait(false);
        return Parse(await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false), store.Describe(name));
    }

    public void WriteTo(Stream stream)
    {
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        json.WriteNumber("format_version", FormatVersion);
        json.WriteNumber("step", Step);
        json.WriteNumber("world_size", WorldSize);
        json.WriteStartObject("files");
        foreach (var file in Files.OrderBy(f => f.File, StringComparer.Ordinal))
        {
            json.WriteStartObject(file.File);
            json.WriteNumber("bytes", file.Bytes);
            json.WriteString("sha256", file.Sha256);
            json.WriteNumber("rank", file.Rank);
            json.WriteEndObject();
        }
        json.WriteEndObject();
        json.WriteEndObject();
    }

    /// <summary>Reads a manifest (any readable format version); <paramref name="where"/> names the checkpoint in errors.</summary>
    public static CheckpointManifest Parse(byte[] bytes, string where)
    {
        try
        {
            using var document = JsonDocument.Parse(bytes);
            var root = document.RootElement;
            var version = root.TryGetProperty("format_version", out var v) ? v.GetInt32() : CheckpointLayout.OldestReadableVersion;
            if (version is < CheckpointLayout.OldestReadableVersion or > CheckpointLayout.FormatVersion)
                throw new JobException($"checkpoint {where} has format version {version}; this build reads versions {CheckpointLayout.OldestReadableVersion} to {CheckpointLayout.FormatVersion}");
            var files = new List<CheckpointEntry>();
            foreach (var file in root.GetProperty("files").EnumerateObject())
            {
                var rank = file.Value.TryGetProperty("rank", out var r) ? r.GetInt32() : 0;
                files.Add(new CheckpointEntry(file.Name, file.Value.GetProperty("bytes").GetInt64(), file.Value.GetProperty("sha256").GetString()!, rank));
            }
            var world = root.TryGetProperty("world_size", out var w) ? w.GetInt32() : 1;
            return new CheckpointManifest(root.GetProperty("step").GetInt64(), world, files, version);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new JobException($"checkpoint {where} is damaged: its {CheckpointLayout.CommitMarker} manifest cannot be read ({e.Message}); resume from another checkpoint");
        }
    }
}
