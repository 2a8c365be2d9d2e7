using System.Text.Json;
using System.Text.RegularExpressions;

namespace Distributed.Trainer.Checkpoint;

public sealed partial class SafetensorsWriter
{
    /// <summary>
    /// Writes a Hugging Face sharded checkpoint into <paramref name="directory"/>: shards named
    /// <c>{prefix}-00001-of-0000N.safetensors</c> of at most <paramref name="maxShardBytes"/> tensor bytes each
    /// (a larger tensor gets a shard of its own, as huggingface_hub splits), then
    /// <c>{prefix}.safetensors.index.json</c>. The index is written last and is the commit point: until it is
    /// renamed into place, a reader of the directory sees the previous index. Weights of an earlier save that
    /// the new index does not name (shards of another count, a single <c>{prefix}.safetensors</c>, which
    /// transformers would load first) are deleted after the commit. Each file is written atomically, but shards with the
    /// same names as the previous save are replaced before the index, so a checkpoint that must survive a crash
    /// mid-save should go to a fresh directory. Returns the shard file names in order.
    /// </summary>
    public IReadOnlyList<string> WriteSharded(string directory, long maxShardBytes, string prefix = "model")
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxShardBytes);
        if (string.IsNullOrEmpty(prefix) || prefix != System.IO.Path.GetFileName(prefix))
            throw new ArgumentException($"prefix '{prefix}' must be a plain file name prefix", nameof(prefix));
        if (_tensors.Count == 0)
            throw new InvalidOperationException("no tensors to write");
        Directory.CreateDirectory(directory);

        var shards = PlanShards(maxShardBytes);
        var names = new List<string>(shards.Count);
        var weightMap = new SortedDictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < shards.Count; i++)
        {
            var shardName = $"{prefix}-{i + 1:D5}-of-{shards.Count:D5}.safetensors";
            var shard = shards[i];
            AtomicFile.Write(System.IO.Path.Combine(directory, shardName), stream => WriteFile(stream, shard, Metadata));
            names.Add(shardName);
            foreach (var tensor in shards[i])
                weightMap[tensor.Name] = shardName;
        }

        AtomicFile.Write(System.IO.Path.Combine(directory, $"{prefix}.safetensors.index.json"), stream => WriteIndex(stream, weightMap, DataBytes));
        DeleteStaleWeights(directory, prefix, names);
        return names;
    }

    private List<List<PendingTensor>> PlanShards(long maxShardBytes)
    {
        var shards = new List<List<PendingTensor>>();
        var current = new List<PendingTensor>();
        long currentBytes = 0;
        foreach (var tensor in _tensors)
        {
            if (tensor.ByteLength > maxShardBytes)
            {
                shards.Add([tensor]);
                continue;
            }
            if (currentBytes + tensor.ByteLength > maxShardBytes)
            {
                shards.Add(current);
                current = [];
                currentBytes = 0;
            }
            current.Add(tensor);
            currentBytes += tensor.ByteLength;
        }
        if (current.Count > 0)
            shards.Add(current);
        return shards;
    }

    /// <summary>
    /// A sharded checkpoint's index in the layout transformers writes: indent 2, "metadata" (total_size: the sum of
    /// tensor bytes) then "weight_map" (tensor name to shard file), keys sorted.
    /// </summary>
    public static void WriteIndex(Stream stream, IEnumerable<KeyValuePair<string, string>> weightMap, long totalSize)
    {
        using (var json = new Utf8JsonWriter(stream, HeaderJson with { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteStartObject("metadata");
            json.WriteNumber("total_size", totalSize);
            json.WriteEndObject();
            json.WriteStartObject("weight_map");
            foreach (var (name, shard) in weightMap.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                json.WriteString(name, shard);
            json.WriteEndObject();
            json.WriteEndObject();
        }
        stream.WriteByte((byte)'\n');
    }

    private static void DeleteStaleWeights(string directory, string prefix, List<string> current)
    {
        File.Delete(System.IO.Path.Combine(directory, $"{prefix}.safetensors"));
        var pattern = new Regex($"^{Regex.Escape(prefix)}-[0-9]{{5}}-of-[0-9]{{5}}\\.safetensors$", RegexOptions.CultureInvariant);
        foreach (var file in Directory.EnumerateFiles(directory, $"{prefix}-*-of-*.safetensors"))
        {
            var name = System.IO.Path.GetFileName(file);
            if (pattern.IsMatch(name) && !current.Contains(name))
                File.Delete(file);
        }
    }
}
