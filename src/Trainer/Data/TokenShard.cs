using System.Buffers.Binary;
using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;

namespace Distributed.Trainer.Data;

/// <summary>
/// One shard file, memory-mapped read-only: documents are read straight from the page cache, so a corpus larger
/// than RAM trains and a rank holds only the pages it touches. The size, SHA-256 (streamed, see
/// <see cref="ShardChecksum"/>) and layout are checked against the manifest before anything is read.
/// </summary>
public sealed class TokenShard : IDisposable
{
    private readonly MemoryMappedFile _file;
    private readonly MemoryMappedViewAccessor _view;
    private readonly unsafe byte* _bytes;
    private readonly unsafe long* _offsets;
    private readonly unsafe byte* _tokens;
    private readonly int _tokenWidth;
    private int _disposed;

    private unsafe TokenShard(ShardInfo info, string path, MemoryMappedFile file, MemoryMappedViewAccessor view, byte* bytes)
    {
        Info = info;
        Path = path;
        _file = file;
        _view = view;
        _bytes = bytes;
        try
        {
            (_tokenWidth, DocumentCount) = ReadLayout(info, bytes);
            _offsets = (long*)(bytes + ShardFormat.HeaderBytes);
            _tokens = (byte*)(_offsets + DocumentCount + 1);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public ShardInfo Info { get; }

    /// <summary>The mapped file: the store's own file for a local directory, the cached copy otherwise.</summary>
    public string Path { get; }

    public int DocumentCount { get; }

    /// <summary>
    /// Maps the shard file at <paramref name="path"/>. With <paramref name="verifyChecksum"/>, its SHA-256 is
    /// computed first by reading the file once in 1 MiB blocks (<see cref="ShardChecksum"/>), from the same open
    /// handle that is then mapped, so what was hashed is what is read even if the path is replaced meanwhile.
    /// Without it the caller vouches for the bytes (a cache file that was hashed when it was written).
    /// </summary>
    public static async Task<TokenShard> OpenAsync(string path, ShardInfo info, bool verifyChecksum, CancellationToken cancellationToken = default)
    {
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.Asynchronous | FileOptions.SequentialScan);
        try
        {
            if (verifyChecksum)
            {
                await ShardChecksum.VerifyAsync(stream, info, cancellationToken).ConfigureAwait(false);
            }
            else if (stream.Length != info.Bytes)
            {
                throw new CorruptShardException(info.Name, $"{stream.Length} bytes at {path}, the manifest says {info.Bytes}");
            }
            if (info.Bytes < ShardFormat.HeaderBytes)
            {
                throw new CorruptShardException(info.Name, $"{info.Bytes} bytes: too short for a token shard");
            }
            var shard = Map(stream, path, info);
            stream = null;
            return shard;
        }
        finally
        {
            if (stream is not null)
            {
                await stream.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    // Takes ownership of the stream: the mapping closes it.
    private static unsafe TokenShard Map(FileStream stream, string path, ShardInfo info)
    {
        var file = MemoryMappedFile.CreateFromFile(stream, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
        MemoryMappedViewAccessor? view = null;
        try
        {
            view = file.CreateViewAccessor(0, info.Bytes, MemoryMappedFileAccess.Read);
            byte* bytes = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref bytes);
            return new TokenShard(info, path, file, view, bytes + view.PointerOffset);
        }
        catch
        {
            view?.Dispose();
            file.Dispose();
            throw;
        }
    }

    public unsafe int DocumentLength(int document)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        ArgumentOutOfRangeException.ThrowIfNegative(document);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(document, DocumentCount);
        return (int)(_offsets[document + 1] - _offsets[document]);
    }

    /// <summary>Copies tokens [start, start + destination.Length) of a document.</summary>
    public unsafe void CopyTokens(int document, int start, Span<int> destination)
    {
        var length = DocumentLength(document);
        if (start < 0 || start + destination.Length > length)
        {
            throw new ArgumentOutOfRangeException(nameof(start), $"tokens {start}..{start + destination.Length} outside document {document} of length {length}");
        }
        var from = _tokens + ((_offsets[document] + start) * _tokenWidth);
        if (_tokenWidth == 2)
        {
            var tokens = new ReadOnlySpan<ushort>(from, destination.Length);
            for (var i = 0; i < tokens.Length; i++)
            {
                destination[i] = tokens[i];
            }
        }
        else
        {
            new ReadOnlySpan<int>(from, destination.Length).CopyTo(destination);
        }
    }

    public unsafe void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        if (_bytes is not null)
        {
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
        }
        _view.Dispose();
        _file.Dispose();
    }

    // Header and offsets are read through the mapping: 8 bytes per document are touched, the tokens are not.
    private static unsafe (int Width, int Documents) ReadLayout(ShardInfo info, byte* bytes)
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("token shards are read on little-endian machines only");
        }
        var header = new ReadOnlySpan<byte>(bytes, ShardFormat.HeaderBytes);
        if (!header[..8].SequenceEqual(ShardFormat.Magic))
        {
            throw new CorruptShardException(info.Name, "not a token shard (bad magic)");
        }
        var width = BinaryPrimitives.ReadInt32LittleEndian(header[8..]);
        var docs = BinaryPrimitives.ReadInt64LittleEndian(header[16..]);
        var tokens = BinaryPrimitives.ReadInt64LittleEndian(header[24..]);
        if (width is not (2 or 4) || docs != info.Documents || tokens != info.Tokens || docs is < 0 or >= int.MaxValue
            || tokens < 0 || ShardFormat.HeaderBytes + (8 * (docs + 1)) + (width * tokens) != info.Bytes)
        {
            throw new CorruptShardException(info.Name, $"header (width {width}, {docs} documents, {tokens} tokens) does not match its size or the manifest");
        }
        var offsets = (long*)(bytes + ShardFormat.HeaderBytes);
        var previous = 0L;
        for (var i = 0; i <= docs; i++)
        {
            if (offsets[i] < previous)
            {
                throw new CorruptShardException(info.Name, $"document {i - 1} has a negative length");
            }
            if (offsets[i] - previous > int.MaxValue)
            {
                throw new CorruptShardException(info.Name, $"document {i - 1} is longer than {int.MaxValue} tokens");
            }
            previous = offsets[i];
        }
        if (offsets[0] != 0 || offsets[docs] != tokens)
        {
            throw new CorruptShardException(info.Name, "document offsets do not cover the tokens");
        }
        return (width, (int)docs);
    }
}
