using Distributed.Trainer.Training.Checkpoints;

namespace Distributed.Checkpoints.TestHost;

/// <summary>A store whose uploads pause after every block, announcing when a file's upload is under way.</summary>
internal sealed class SlowStore(ICheckpointStore inner, int blockBytes, TimeSpan pause) : ICheckpointStore
{
    public string Location => inner.Location;

    public string Describe(string checkpoint) => inner.Describe(checkpoint);

    public Task WriteAsync(string checkpoint, string file, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken = default) =>
        inner.WriteAsync(checkpoint, file, (stream, ct) => write(new SlowStream(stream, file, blockBytes, pause), ct), cancellationToken);

    public Task<bool> TryCreateAsync(string checkpoint, string file, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken = default) =>
        inner.TryCreateAsync(checkpoint, file, (stream, ct) => write(new SlowStream(stream, file, blockBytes, pause), ct), cancellationToken);

    public Task<string> FetchAsync(string checkpoint, string file, CancellationToken cancellationToken = default) => inner.FetchAsync(checkpoint, file, cancellationToken);

    public Task ReleaseAsync(string checkpoint, CancellationToken cancellationToken = default) => inner.ReleaseAsync(checkpoint, cancellationToken);

    public Task<bool> ExistsAsync(string checkpoint, string file, CancellationToken cancellationToken = default) => inner.ExistsAsync(checkpoint, file, cancellationToken);

    public Task<IReadOnlyList<string>> ListAsync(CancellationToken cancellationToken = default) => inner.ListAsync(cancellationToken);

    public Task DeleteAsync(string checkpoint, CancellationToken cancellationToken = default) => inner.DeleteAsync(checkpoint, cancellationToken);

    private sealed class SlowStream(Stream inner, string file, int blockBytes, TimeSpan pause) : Stream
    {
        private long _written;
        private bool _announced;

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => _written;
        public override long Position { get => _written; set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            while (buffer.Length > 0)
            {
                // Up to the next block boundary, so that each block is staged before the pause.
                var n = (int)Math.Min(buffer.Length, blockBytes - (_written % blockBytes));
                inner.Write(buffer[..n]);
                _written += n;
                buffer = buffer[n..];
                if (_written % blockBytes == 0)
                {
                    if (!_announced && _written >= 2L * blockBytes)
                    {
                        _announced = true;
                        Console.WriteLine($"STAGED {file} {_written}");
                    }
                    Thread.Sleep(pause);
                }
            }
        }

        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
