using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Distributed.Trainer.Data;

/// <summary>
/// The dataset's table of contents, written last by the tokenize job: its presence means every shard it lists
/// was written completely. Sample orders are derived from it, so <see cref="Id"/> ties a cursor to a dataset.
/// </summary>
public sealed record DatasetManifest
{
    public const string DefaultName = "manifest.json";

    public int FormatVersion { get; init; } = 1;

    public required string Name { get; init; }

    public required string Tokenizer { get; init; }

    public required int VocabularySize { get; init; }

    public int? BosId { get; init; }

    public int? EosId { get; init; }

    /// <summary>Bytes per token in the shards: 2 (uint16) or 4 (uint32).</summary>
    public required int TokenWidth { get; init; }

    public required IReadOnlyList<ShardInfo> Shards { get; init; }

    public long DocumentCount => Shards.Sum(s => s.Documents);

    public long TokenCount => Shards.Sum(s => s.Tokens);

    /// <summary>Input lines skipped under <see cref="BadInputPolicy.Skip"/>, per reason.</summary>
    public IReadOnlyDictionary<BadInputKind, long> Skipped { get; init; } = new Dictionary<BadInputKind, long>();

    public IReadOnlyList<string> Sources { get; init; } = [];

    /// <summary>Hash of the shards' checksums in order: equal ids mean equal token streams.</summary>
    public string Id => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', Shards.Select(s => s.Sha256)))))[..16];

    public byte[] ToJsonBytes() => JsonSerializer.SerializeToUtf8Bytes(this, DataJsonContext.Default.DatasetManifest);

    public static DatasetManifest FromJson(ReadOnlySpan<byte> json, string source)
    {
        try
        {
            return JsonSerializer.Deserialize(json, DataJsonContext.Default.DatasetManifest)
                ?? throw new InvalidDataException($"{source}: empty manifest");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source}: not a dataset manifest: {e.Message}", e);
        }
    }

    public static async Task<DatasetManifest> LoadAsync(IShardStore store, string name = DefaultName, CancellationToken cancellationToken = default)
    {
        var stream = await store.OpenReadAsync(name, cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            using var memory = new MemoryStream();
            await stream.CopyToAsync(memory, cancellationToken).ConfigureAwait(false);
            return FromJson(memory.ToArray(), name);
        }
    }
}
