using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Distributed.Trainer.Data;

/// <summary>Collects documents in memory and writes them as one shard, hashing the bytes on their way out.</summary>
internal sealed class ShardBuilder(int tokenWidth)
{
    private readonly List<long> _offsets = [0];
    private readonly List<int> _tokens = [];

    public long DocumentCount => _offsets.Count - 1;

    public long TokenCount => _tokens.Count;

    public void Add(ReadOnlySpan<int> tokens)
    {
        _tokens.AddRange(tokens);
        _offsets.Add(_tokens.Count);
    }

    public async Task<ShardInfo> WriteAsync(IShardStore store, string name, CancellationToken cancellationToken)
    {
        var bytes = ToBytes();
        var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        await store.WriteAtomicAsync(name, (s, ct) => s.WriteAsync(bytes, ct).AsTask(), cancellationToken).ConfigureAwait(false);
        return new ShardInfo(name, DocumentCount, TokenCount, bytes.Length, sha);
    }

    private byte[] ToBytes()
    {
        var bytes = new byte[ShardFormat.HeaderBytes + (8L * _offsets.Count) + ((long)tokenWidth * _tokens.Count)];
        var span = bytes.AsSpan();
        ShardFormat.Magic.CopyTo(span);
        BinaryPrimitives.WriteInt32LittleEndian(span[8..], tokenWidth);
        BinaryPrimitives.WriteInt64LittleEndian(span[16..], DocumentCount);
        BinaryPrimitives.WriteInt64LittleEndian(span[24..], TokenCount);
        var at = ShardFormat.HeaderBytes;
        foreach (var o in _offsets)
        {
            BinaryPrimitives.WriteInt64LittleEndian(span[at..], o);
            at += 8;
        }
        foreach (var t in _tokens)
        {
            if (tokenWidth == 2)
            {
                BinaryPrimitives.WriteUInt16LittleEndian(span[at..], checked((ushort)t));
            }
            else
            {
                BinaryPrimitives.WriteInt32LittleEndian(span[at..], t);
            }
            at += tokenWidth;
        }
        return bytes;
    }
}
