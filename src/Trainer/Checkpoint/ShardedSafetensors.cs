using System.Text.Json;

namespace Distributed.Trainer.Checkpoint;

/// <summary>
/// A Hugging Face sharded checkpoint: <c>model.safetensors.index.json</c>
/// (<c>{"metadata": {"total_size": N}, "weight_map": {tensor: shard file}}</c>) and the shards beside it.
/// Shards are opened on first use, so loading one tensor maps only its shard. Thread-safe.
/// </summary>
public sealed class ShardedSafetensors : ISafetensorsSource
{
    private readonly string _directory;
    private readonly Dictionary<string, string> _weightMap;
    private readonly Dictionary<string, SafetensorsFile> _open = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private bool _disposed;

    private ShardedSafetensors(string indexPath, Dictionary<string, string> weightMap, long? totalSize)
    {
        IndexPath = indexPath;
        _directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(indexPath))!;
        _weightMap = weightMap;
        TotalSize = totalSize;
    }

    public string IndexPath { get; }

    /// <summary>Tensor name to shard file name (relative to the index's directory).</summary>
    public IReadOnlyDictionary<string, string> WeightMap => _weightMap;

    /// <summary>The index's <c>metadata.total_size</c> (sum of tensor bytes), when present.</summary>
    public long? TotalSize { get; }

    public IEnumerable<string> Names => _weightMap.Keys;

    public static ShardedSafetensors Open(string indexPath)
    {
        SafetensorsIndexJson? index;
        try
        {
            using var stream = File.OpenRead(indexPath);
            index = JsonSerializer.Deserialize(stream, CheckpointJsonContext.Default.SafetensorsIndexJson);
        }
        catch (JsonException e)
        {
            throw new SafetensorsFormatException(indexPath, $"index is not valid JSON of the expected shape: {e.Message}", e);
        }
        if (index?.WeightMap is null)
            throw new SafetensorsFormatException(indexPath, "index has no 'weight_map' object");

        foreach (var (name, shard) in index.WeightMap)
        {
            // A shard must be a plain file beside the index: an index must not make us map arbitrary paths.
            if (string.IsNullOrEmpty(shard) || shard != System.IO.Path.GetFileName(shard) || shard is "." or "..")
                throw new SafetensorsFormatException(indexPath, $"tensor '{name}': shard '{shard}' is not a file name in the index's directory");
        }

        long? totalSize = null;
        if (index.Metadata is not null && index.Metadata.TryGetValue("total_size", out var total))
        {
            // Older transformers versions wrote total_size as a float.
            if (total.ValueKind != JsonValueKind.Number)
                throw new SafetensorsFormatException(indexPath, $"'metadata.total_size' must be a number, found {total.ValueKind}");
            totalSize = total.TryGetInt64(out var exact) ? exact : (long)total.GetDouble();
        }
        return new ShardedSafetensors(indexPath, new Dictionary<string, string>(index.WeightMap, StringComparer.Ordinal), totalSize);
    }

    public bool Contains(string name) => _weightMap.ContainsKey(name);

    /// <summary>The shard holding <paramref name="name"/>, opened (and checked against the index) on first use.</summary>
    public SafetensorsFile GetShard(string name)
    {
        if (!_weightMap.TryGetValue(name, out var shardName))
            throw new KeyNotFoundException($"{IndexPath}: no tensor named '{name}' in the weight map");
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_open.TryGetValue(shardName, out var open))
                return open;
            var path = System.IO.Path.Combine(_directory, shardName);
            if (!File.Exists(path))
                throw new SafetensorsFormatException(IndexPath, $"tensor '{name}': shard '{shardName}' does not exist");
            var shard = SafetensorsFile.Open(path);
            foreach (var (tensor, owner) in _weightMap)
            {
                if (owner == shardName && !shard.Contains(tensor))
                {
                    shard.Dispose();
                    throw new SafetensorsFormatException(IndexPath, $"tensor '{tensor}' is mapped to shard '{shardName}', which does not contain it");
                }
            }
            _open.Add(shardName, shard);
            return shard;
        }
    }

    public SafetensorsEntry GetEntry(string name) => GetShard(name).GetEntry(name);

    /// <summary>See <see cref="SafetensorsFile.GetBytes"/>; valid until this object is disposed.</summary>
    public ReadOnlySpan<byte> GetBytes(string name) => GetShard(name).GetBytes(name);

    /// <summary>See <see cref="SafetensorsFile.GetPointer"/>; valid until this object is disposed.</summary>
    public unsafe byte* GetPointer(string name) => GetShard(name).GetPointer(name);

    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
                return;
            _disposed = true;
            foreach (var shard in _open.Values)
                shard.Dispose();
            _open.Clear();
        }
    }
}
