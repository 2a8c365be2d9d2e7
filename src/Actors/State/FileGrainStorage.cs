using System.Text.Json;

namespace Distributed.Actors.State;

/// <summary>
/// Grain state as one JSON file per grain and state name. A write goes to a temporary file that is flushed to disk and
/// then renamed over the old one (rename is atomic), so a crash mid-write leaves the previous state readable.
/// Writers serialize on an exclusive lock file, which also works across processes sharing the folder.
/// </summary>
public sealed class FileGrainStorage(string root, JsonSerializerOptions json, TimeProvider time) : IGrainStorage
{
    private static readonly TimeSpan LockTimeout = TimeSpan.FromSeconds(10);

    public string Root { get; } = Path.GetFullPath(root);

    public string PathOf(GrainId grainId, string stateName) =>
        Path.Combine(Root, StorageNames.Escape(grainId.Type), $"{StorageNames.Escape(grainId.Key)}.{StorageNames.Escape(stateName)}.json");

    public async Task<StoredState<TState>?> ReadAsync<TState>(GrainId grainId, string stateName, CancellationToken cancellationToken)
    {
        var path = PathOf(grainId, stateName);
        if (!File.Exists(path))
        {
            return null;
        }
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 4096, useAsync: true);
        var record = await JsonSerializer.DeserializeAsync<FileRecord<TState>>(stream, json, cancellationToken)
            ?? throw new InvalidDataException($"State file {path} is empty.");
        return new StoredState<TState>(record.State, record.Etag);
    }

    public async Task<string> WriteAsync<TState>(GrainId grainId, string stateName, TState state, string? etag, CancellationToken cancellationToken)
    {
        var path = PathOf(grainId, stateName);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await using var fileLock = await LockAsync(path, cancellationToken);
        var stored = ReadEtag(path);
        if (stored != etag)
        {
            throw new InconsistentStateException(grainId, stateName, etag, stored);
        }
        var newEtag = Guid.NewGuid().ToString("N");
        var temp = $"{path}.{newEtag}.tmp";
        await using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 4096, useAsync: true))
        {
            await JsonSerializer.SerializeAsync(stream, new FileRecord<TState>(newEtag, state), json, cancellationToken);
            // Durable before it becomes visible: otherwise a power loss could publish an empty file.
            stream.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: true);
        return newEtag;
    }

    public async Task ClearAsync(GrainId grainId, string stateName, string? etag, CancellationToken cancellationToken)
    {
        var path = PathOf(grainId, stateName);
        if (!File.Exists(path) && etag is null)
        {
            return;
        }
        await using var fileLock = await LockAsync(path, cancellationToken);
        var stored = ReadEtag(path);
        if (stored != etag)
        {
            throw new InconsistentStateException(grainId, stateName, etag, stored);
        }
        File.Delete(path);
    }

    private static string? ReadEtag(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }
        using var document = JsonDocument.Parse(File.ReadAllBytes(path));
        return document.RootElement.TryGetProperty("etag", out var etag) || document.RootElement.TryGetProperty("Etag", out etag) ? etag.GetString() : null;
    }

    private async Task<FileStream> LockAsync(string path, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        while (true)
        {
            try
            {
                // FileShare.None is an exclusive flock on Unix: it excludes other processes as well as this one.
                return new FileStream(path + ".lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (time.GetElapsedTime(started) < LockTimeout)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(5), cancellationToken);
            }
        }
    }
}
