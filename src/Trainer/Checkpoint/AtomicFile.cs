namespace Distributed.Trainer.Checkpoint;

/// <summary>
/// Writes a file so that readers see either the old file or the complete new one: the content goes to a
/// temporary file in the same directory (same file system, so the rename is atomic), is flushed to disk,
/// then replaces the target with one rename. A failure deletes the temporary file and leaves the target as
/// it was.
/// </summary>
internal static class AtomicFile
{
    /// <summary>Prefix of temporary files, so that a directory listing can tell them from finished ones.</summary>
    public const string TempPrefix = ".tmp-";

    public static void Write(string path, Action<FileStream> write)
    {
        var target = System.IO.Path.GetFullPath(path);
        var directory = System.IO.Path.GetDirectoryName(target)!;
        var temp = System.IO.Path.Combine(directory, $"{TempPrefix}{System.IO.Path.GetFileName(target)}-{Guid.NewGuid():N}");
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
    }
}
