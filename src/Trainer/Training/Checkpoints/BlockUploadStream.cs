using System.Globalization;
using System.Text;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;

namespace Distributed.Trainer.Training.Checkpoints;

/// <summary>
/// A write-only stream that stages a block blob's blocks as they fill and commits the block list only in
/// <see cref="CommitAsync"/>. Unlike the SDK's OpenWrite stream, disposing it without committing publishes nothing,
/// so a failed or killed writer never leaves a partial blob behind.
/// </summary>
internal sealed class BlockUploadStream(BlockBlobClient blob, int blockBytes, CancellationToken cancellationToken) : Stream
{
    private readonly byte[] _buffer = new byte[blockBytes];
    private readonly List<string> _blocks = [];

    // Uncommitted blocks are kept per blob by id: concurrent writers of one blob (two committers of a manifest)
    // must not stage over each other's blocks, so each upload's ids carry its own random part.
    private readonly string _upload = Guid.NewGuid().ToString("N");
    private int _filled;
    private long _written;

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => _written;
    public override long Position { get => _written; set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    // Synchronous writes (the safetensors writer's) stage synchronously: uploads run on a background thread.
    public override void Write(ReadOnlySpan<byte> buffer)
    {
        while (buffer.Length > 0)
        {
            var n = Math.Min(buffer.Length, _buffer.Length - _filled);
            buffer[..n].CopyTo(_buffer.AsSpan(_filled));
            (_filled, _written) = (_filled + n, _written + n);
            buffer = buffer[n..];
            if (_filled == _buffer.Length) StageAsync(sync: true).GetAwaiter().GetResult();
        }
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken token = default)
    {
        while (buffer.Length > 0)
        {
            var n = Math.Min(buffer.Length, _buffer.Length - _filled);
            buffer[..n].CopyTo(_buffer.AsMemory(_filled));
            (_filled, _written, buffer) = (_filled + n, _written + n, buffer[n..]);
            if (_filled == _buffer.Length) await StageAsync(sync: false).ConfigureAwait(false);
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken token) =>
        WriteAsync(buffer.AsMemory(offset, count), token).AsTask();

    /// <summary>Stages what is buffered and commits the blocks: only now does the blob exist (or change).</summary>
    public async Task CommitAsync(BlobRequestConditions? conditions)
    {
        if (_filled > 0 || _blocks.Count == 0) await StageAsync(sync: false).ConfigureAwait(false);
        await blob.CommitBlockListAsync(_blocks, new CommitBlockListOptions { Conditions = conditions }, cancellationToken).ConfigureAwait(false);
    }

    private async Task StageAsync(bool sync)
    {
        // Block ids must have one length within a blob: the upload's id and a fixed-width counter.
        var id = Convert.ToBase64String(Encoding.ASCII.GetBytes(_upload + _blocks.Count.ToString("D8", CultureInfo.InvariantCulture)));
        using var content = new MemoryStream(_buffer, 0, _filled, writable: false);
        if (sync) blob.StageBlock(id, content, cancellationToken: cancellationToken);
        else await blob.StageBlockAsync(id, content, cancellationToken: cancellationToken).ConfigureAwait(false);
        _blocks.Add(id);
        _filled = 0;
    }

    public override void Flush()
    {
        // Blocks are staged when full and committed by CommitAsync; a flush publishes nothing.
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
