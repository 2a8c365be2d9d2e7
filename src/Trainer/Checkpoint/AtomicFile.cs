using System.Runtime.InteropServices;

namespace Distributed.Trainer.Checkpoint;

/// <summary>
/// Writes a file so that readers see either the old file or the complete new one: the content goes to a
/// temporary file in the same directory (same file system, so the rename is atomic), is flushed to disk,
/// then replaces the target with one rename, which is flushed too. A failure deletes the temporary file and
/// leaves the target as it was.
/// </summary>
internal static partial class AtomicFile
{
    /// <summary>Prefix of temporary files, so that a directory listing can tell them from finished ones.</summary>
    public const string TempPrefix = ".tmp-";

    private const int EInval = 22;
    private const int EExist = 17;

    public static void Write(string path, Action<FileStream> write)
    {
        var target = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(target)!;
        var temp = Path.Combine(directory, $"{TempPrefix}{Path.GetFileName(target)}-{Guid.NewGuid():N}");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 20))
            {
                write(stream);
                // fsync before the rename: otherwise a power loss after it can leave the new name on empty blocks.
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, target, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
        SyncDirectory(directory);
    }

    /// <summary>
    /// Creates <paramref name="path"/> with the content <paramref name="write"/> gives, only if no file of that name
    /// exists: true when this call created it, false when one was there (it is left untouched). The content goes to
    /// a temporary file (flushed) that is then hard-linked to the name: link(2) fails with EEXIST rather than replace,
    /// so of two writers exactly one wins, and a reader sees no file or the whole file.
    /// </summary>
    public static async Task<bool> TryCreateAsync(string path, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken)
    {
        var target = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(target)!;
        Directory.CreateDirectory(directory);
        var temp = Path.Combine(directory, $"{TempPrefix}{Path.GetFileName(target)}-{Guid.NewGuid():N}");
        try
        {
            await using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 16, useAsync: true))
            {
                await write(stream, cancellationToken).ConfigureAwait(false);
                await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
                stream.Flush(flushToDisk: true);
            }
            if (Link(temp, target) != 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                if (errno == EExist) return false;
                throw new IOException($"{target}: cannot create it (link failed with errno {errno})");
            }
        }
        finally
        {
            File.Delete(temp);
        }
        SyncDirectory(directory);
        return true;
    }

    /// <summary>
    /// The rename is recorded in the directory's blocks; until they reach the disk a power loss can bring the
    /// old file back (never a partial one), so a commit point is durable only after this. .NET cannot open a
    /// directory, hence POSIX open/fsync; Windows makes the rename durable by itself.
    /// </summary>
    private static void SyncDirectory(string directory)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
            return;
        var fd = Open(directory, 0 /* O_RDONLY */);
        if (fd < 0)
            throw new IOException($"{directory}: cannot open the directory to flush a rename (errno {Marshal.GetLastPInvokeError()})");
        try
        {
            // Some file systems cannot sync a directory and say EINVAL; there is nothing more to do on them.
            if (Fsync(fd) != 0 && Marshal.GetLastPInvokeError() is var errno && errno != EInval)
                throw new IOException($"{directory}: fsync of the directory failed (errno {errno})");
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "link", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Link(string existing, string created);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
