using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Distributed.Trainer.Data;

/// <summary>A shard in memory, read only after its checksum and layout were checked against the manifest.</summary>
public sealed class TokenShard
{
    private readonly long[] _offsets;
    private readonly ushort[]? _tokens16;
    private readonly uint[]? _tokens32;

    private TokenShard(ShardInfo info, long[] offsets, ushort[]? tokens16, uint[]? tokens32)
    {
        Info = info;
        _offsets = offsets;
        _tokens16 = tokens16;
        _tokens32 = tokens32;
    }

    public ShardInfo Info { get; }

    public int DocumentCount => _offsets.Length - 1;

    public static async Task<TokenShard> LoadAsync(IShardStore store, ShardInfo info, CancellationToken cancellationToken = default)
    {
        byte[] bytes;
        var stream = await store.OpenReadAsync(info.Name, cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            using var memory = new MemoryStream();
            await stream.CopyToAsync(memory, cancellationToken).ConfigureAwait(false);
            bytes = memory.ToArray();
        }
        return Parse(bytes, info);
    }

    /// <summary>Checks size, SHA-256 and layout; any mismatch is a <see cref="CorruptShardException"/>.</summary>
    public static TokenShard Parse(byte[] bytes, ShardInfo info)
    {
        if (bytes.LongLength != info.Bytes)
        {
            throw new CorruptShardException(info.Name, $"{bytes.LongLength} bytes, the manifest says {info.Bytes} (truncated or overwritten)");
        }
        var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        if (sha != info.Sha256)
        {
            throw new CorruptShardException(info.Name, $"SHA-256 {sha}, the manifest says {info.Sha256}");
        }
        var span = bytes.AsSpan();
        if (bytes.Length < ShardFormat.HeaderBytes || !span[..8].SequenceEqual(ShardFormat.Magic))
        {
            throw new CorruptShardException(info.Name, "not a token shard (bad magic)");
        }
        var width = BinaryPrimitives.ReadInt32LittleEndian(span[8..]);
        var docs = BinaryPrimitives.ReadInt64LittleEndian(span[16..]);
        var tokens = BinaryPrimitives.ReadInt64LittleEndian(span[24..]);
        if (width is not (2 or 4) || docs != info.Documents || tokens != info.Tokens
            || ShardFormat.HeaderBytes + (8 * (docs + 1)) + (width * tokens) != bytes.LongLength)
        {
            throw new CorruptShardException(info.Name, $"header (width {width}, {docs} documents, {tokens} tokens) does not match its size or the manifest");
        }
        var offsets = MemoryMarshal.Cast<byte, long>(span.Slice(ShardFormat.HeaderBytes, checked((int)(8 * (docs + 1))))).ToArray();
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("token shards are read on little-endian machines only");
        }
        for (var i = 0; i < docs; i++)
        {
            if (offsets[i] > offsets[i + 1])
            {
                throw new CorruptShardException(info.Name, $"document {i} has a negative length");
            }
        }
        if (offsets[0] != 0 || offsets[docs] != tokens)
        {
            throw new CorruptShardException(info.Name, "document offsets do not cover the tokens");
        }
        var body = span[(ShardFormat.HeaderBytes + (int)(8 * (docs + 1)))..];
        return width == 2
            ? new TokenShard(info, offsets, MemoryMarshal.Cast<byte, ushort>(body).ToArray(), null)
            : new TokenShard(info, offsets, null, MemoryMarshal.Cast<byte, uint>(body).ToArray());
    }

    public int DocumentLength(int document) => (int)(_offsets[document + 1] - _offsets[document]);

    /// <summary>Copies tokens [start, start + destination.Length) of a document.</summary>
    public void CopyTokens(int document, int start, Span<int> destination)
    {
        if (start < 0 || start + destination.Length > DocumentLength(document))
        {
            throw new ArgumentOutOfRangeException(nameof(start), $"tokens {start}..{start + destination.Length} outside document {document} of length {DocumentLength(document)}");
        }
        var from = (int)_offsets[document] + start;
        if (_tokens16 is not null)
        {
            var src = _tokens16.AsSpan(from, destination.Length);
            for (var i = 0; i < src.Length; i++)
            {
                destination[i] = src[i];
            }
        }
        else
        {
            MemoryMarshal.Cast<uint, int>(_tokens32.AsSpan(from, destination.Length)).CopyTo(destination);
        }
    }
}
