using System.Buffers;
using System.Security.Cryptography;

namespace Distributed.Trainer.Data;

/// <summary>
/// Checks a shard's bytes against its manifest entry (size and SHA-256) while streaming them through a 1 MiB
/// buffer, optionally copying them on (a download to the local cache). Memory stays at the buffer whatever the
/// shard's size; the bytes pass through the page cache, not the process.
/// </summary>
public static class ShardChecksum
{
    private const int BlockBytes = 1 << 20;

    /// <summary>Reads <paramref name="source"/> to its end; throws <see cref="CorruptShardException"/> on any mismatch.</summary>
    public static Task VerifyAsync(Stream source, ShardInfo info, CancellationToken cancellationToken = default) =>
        CopyAndVerifyAsync(source, null, info, cancellationToken);

    /// <summary>Copies <paramref name="source"/> to <paramref name="destination"/> (when given) and verifies what passed.</summary>
    public static async Task CopyAndVerifyAsync(Stream source, Stream? destination, ShardInfo info, CancellationToken cancellationToken = default)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = ArrayPool<byte>.Shared.Rent(BlockBytes);
        try
        {
            long total = 0;
            int read;
            while ((read = await source.ReadAsync(buffer.AsMemory(0, BlockBytes), cancellationToken).ConfigureAwait(false)) > 0)
            {
                total += read;
                if (total > info.Bytes)
                {
                    throw new CorruptShardException(info.Name, $"longer than the {info.Bytes} bytes the manifest says (overwritten?)");
                }
                sha.AppendData(buffer, 0, read);
                if (destination is not null)
                {
                    await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                }
            }
            if (total < info.Bytes)
            {
                throw new CorruptShardException(info.Name, $"{total} bytes, the manifest says {info.Bytes} (truncated)");
            }
            var hash = Convert.ToHexStringLower(sha.GetHashAndReset());
            if (hash != info.Sha256)
            {
                throw new CorruptShardException(info.Name, $"SHA-256 {hash}, the manifest says {info.Sha256}");
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
