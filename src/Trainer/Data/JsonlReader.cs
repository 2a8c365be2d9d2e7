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
        var compressed = IsCompressed(path);
        await using var stream = compressed ? new GZipStream(file, CompressionMode.Decompress) : (Stream)file;
        long decompressed = 0;
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
            int read;
            try
            {
                read = await stream.ReadAsync(buffer.AsMemory(end), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is InvalidDataException or IOException and not FileNotFoundException and not DirectoryNotFoundException)
            {
                throw new TruncatedInputException(lineNumber + 1, $"cannot read on ({e.Message}); the file is truncated or corrupt", e);
            }
            if (read == 0)
            {
                if (compressed)
                {
                    VerifyGzipSize(file, decompressed, lineNumber + 1);
                }
                if (end > start)
                {
                    lineNumber++;
                    yield return (lineNumber, WithoutBom(buffer.AsMemory(start, end - start), lineNumber));
                }
                yield break;
            }
            end += read;
            decompressed += read;
        }
    }

    /// <summary>
    /// GZipStream ends quietly when a file is cut short, so a truncated .gz would lose its tail silently. The
    /// gzip trailer's last field is the uncompressed size mod 2^32; a cut file ends in compressed data instead.
    /// Files of several gzip members (bgzip, pigz --independent) fail this check: recompress them with gzip.
    /// </summary>
    private static void VerifyGzipSize(FileStream file, long decompressed, long line)
    {
        Span<byte> trailer = stackalloc byte[4];
        var length = RandomAccess.GetLength(file.SafeFileHandle);
        if (length < 18 || RandomAccess.Read(file.SafeFileHandle, trailer, length - 4) != 4
            || System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(trailer) != (uint)decompressed)
        {
            throw new TruncatedInputException(
                line,
                $"the gzip stream ended after {decompressed} bytes but its trailer does not match: the file is truncated, corrupt, or has several gzip members");
        }
    }

    /// <summary>Editors on Windows start files with a UTF-8 byte order mark, which JSON parsers reject.</summary>
    private static ReadOnlyMemory<byte> WithoutBom(ReadOnlyMemory<byte> line, long lineNumber) =>
        lineNumber == 1 && line.Span.StartsWith("\uFEFF"u8) ? line[3..] : line;
}
