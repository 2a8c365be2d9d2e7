using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Distributed.Trainer.Data;

/// <summary>A shard in memory, read only after its checksum and layout were checked against the manifest.</summary>
public sealed class TokenShard
{
    private readonly long[] _offsets;
    private readonly byte[] _bytes;
    private readonly int _tokensStart;
    private readonly int _tokenWidth;

    private TokenShard(ShardInfo info, long[] offsets, byte[] bytes, int tokensStart, int tokenWidth)
    {
        Info = info;
        _offsets = offsets;
        _bytes = bytes;
        _tokensStart = tokensStart;
        _tokenWidth = tokenWidth;
    }

    public ShardInfo Info { get; }

    public int DocumentCount => _offsets.Length - 1;

    public static async Task<TokenShard> LoadAsync(IShardStore store, ShardInfo info, CancellationToken cancellationToken = default)
    {
        // Read exactly the size the manifest recorded (plus one byte to notice a longer object), without the
        // copies a MemoryStream would make: shards are the largest objects a rank holds.
        var bytes = new byte[info.Bytes];
        var stream = await store.OpenReadAsync(info.Name, cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            var read = await stream.ReadAtLeastAsync(bytes, bytes.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            if (read < bytes.Length)
            {
                throw new CorruptShardException(info.Name, $"{read} bytes, the manifest says {info.Bytes} (truncated)");
            }
            if (await stream.ReadAsync(new byte[1], cancellationToken).ConfigureAwait(false) > 0)
            {
                throw new CorruptShardException(info.Name, $"longer than the {info.Bytes} bytes the manifest says (overwritten?)");
            }
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
        return new TokenShard(info, offsets, bytes, ShardFormat.HeaderBytes + (int)(8 * (docs + 1)), width);
    }

    public int DocumentLength(int document) => (int)(_offsets[document + 1] - _offsets[document]);

    /// <summary>Copies tokens [start, start + destination.Length) of a document.</summary>
    public void CopyTokens(int document, int start, Span<int> destination)
    {
        if (start < 0 || start + destination.Length > DocumentLength(document))
        {
            throw new ArgumentOutOfRangeException(nameof(start), $"tokens {start}..{start + destination.Length} outside document {document} of length {DocumentLength(document)}");
        }
        var from = _tokensStart + (((int)_offsets[document] + start) * _tokenWidth);
        var src = _bytes.AsSpan(from, destination.Length * _tokenWidth);
        if (_tokenWidth == 2)
        {
            var tokens = MemoryMarshal.Cast<byte, ushort>(src);
            for (var i = 0; i < tokens.Length; i++)
            {
                destination[i] = tokens[i];
            }
        }
        else
        {
            MemoryMarshal.Cast<byte, int>(src).CopyTo(destination);
        }
    }
}
