using Distributed.Trainer.Training.Checkpoints;

namespace Distributed.Grains.Checkpoints;

/// <summary>
/// A checkpoint store whose file writes go at most <c>bytesPerSecond</c> (Workers:CheckpointUploadBytesPerSecond).
/// The commit (the manifest, a few kilobytes) and reads are not capped.
/// </summary>
internal sealed class ThrottledCheckpointStore(ICheckpointStore inner, long bytesPerSecond, TimeProvider time) : ICheckpointStore, IDisposable
{
    public string Location => inner.Location;

    public string Describe(string checkpoint) => inner.Describe(checkpoint);

    public Task WriteAsync(string checkpoint, string file, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken = default) =>
        inner.WriteAsync(checkpoint, file, (stream, ct) => write(new ThrottledStream(stream, bytesPerSecond, time), ct), cancellationToken);

    public Task<bool> TryCreateAsync(string checkpoint, string file, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken = default) =>
        inner.TryCreateAsync(checkpoint, file, write, cancellationToken);

    public Task<string> FetchAsync(string checkpoint, string file, CancellationToken cancellationToken = default) => inner.FetchAsync(checkpoint, file, cancellationToken);

    public Task ReleaseAsync(string checkpoint, CancellationToken cancellationToken = default) => inner.ReleaseAsync(checkpoint, cancellationToken);

    public Task<bool> ExistsAsync(string checkpoint, string file, CancellationToken cancellationToken = default) => inner.ExistsAsync(checkpoint, file, cancellationToken);

    public Task<IReadOnlyList<string>> ListAsync(CancellationToken cancellationToken = default) => inner.ListAsync(cancellationToken);

    public Task DeleteAsync(string checkpoint, CancellationToken cancellationToken = default) => inner.DeleteAsync(checkpoint, cancellationToken);

    public void Dispose() => (inner as IDisposable)?.Dispose();

    // Write-only pass-through that waits whenever it is ahead of the rate.
    private sealed class ThrottledStream(Stream inner, long bytesPerSecond, TimeProvider time) : Stream
    {
        private readonly long _start = time.GetTimestamp();
        private long _written;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => inner.Length;

        public override long Position
        {
            get => inner.Position;
            set => throw new NotSupportedException();
        }

        public override void Flush() => inner.Flush();

        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            // Pieces of at most a tenth of a second's bytes, each written when the rate allows it.
            var piece = (int)Math.Clamp(bytesPerSecond / 10, 1, int.MaxValue);
            for (var offset = 0; offset < buffer.Length; offset += piece)
            {
                var part = buffer.Slice(offset, Math.Min(piece, buffer.Length - offset));
                var due = TimeSpan.FromSeconds((double)_written / bytesPerSecond) - time.GetElapsedTime(_start);
                if (due > TimeSpan.Zero) await Task.Delay(due, time, cancellationToken).ConfigureAwait(false);
                await inner.WriteAsync(part, cancellationToken).ConfigureAwait(false);
                _written += part.Length;
            }
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }
}
