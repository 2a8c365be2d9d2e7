using System.IO.Compression;
using System.Runtime.CompilerServices;

namespace Distributed.Trainer.Data;

/// <summary>
/// Reads a JSONL or JSONL.gz file as raw byte lines (so invalid UTF-8 is seen, not silently replaced, as a
/// StreamReader would). Each yielded line is valid only until the next one is requested.
/// </summary>
internal static class JsonlReader
{
    public static bool IsCompressed(string path) => path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase);

    public static async IAsyncEnumerable<(long LineNumber, ReadOnlyMemory<byte> Line)> ReadLinesAsync(
        string path, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        await using var stream = IsCompressed(path) ? new GZipStream(file, CompressionMode.Decompress) : (Stream)file;
        var buffer = new byte[1 << 16];
        int start = 0, end = 0;
        long lineNumber = 0;
        while (true)
        {
            var newline = buffer.AsSpan(start, end - start).IndexOf((byte)'\n');
            if (newline >= 0)
            {
                lineNumber++;
                var length = newline > 0 && buffer[start + newline - 1] == '\r' ? newline - 1 : newline;
                yield return (lineNumber, WithoutBom(buffer.AsMemory(start, length), lineNumber));
                start += newline + 1;
                continue;
            }
            if (start > 0)
            {
                Buffer.BlockCopy(buffer, start, buffer, 0, end - start);
                end -= start;
                start = 0;
            }
            if (end == buffer.Length)
            {
                Array.Resize(ref buffer, buffer.Length * 2);
            }
            var read = await stream.ReadAsync(buffer.AsMemory(end), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                if (end > start)
                {
                    lineNumber++;
                    yield return (lineNumber, WithoutBom(buffer.AsMemory(start, end - start), lineNumber));
                }
                yield break;
            }
            end += read;
        }
    }

    /// <summary>Editors on Windows start files with a UTF-8 byte order mark, which JSON parsers reject.</summary>
    private static ReadOnlyMemory<byte> WithoutBom(ReadOnlyMemory<byte> line, long lineNumber) =>
        lineNumber == 1 && line.Span.StartsWith("\uFEFF"u8) ? line[3..] : line;
}
