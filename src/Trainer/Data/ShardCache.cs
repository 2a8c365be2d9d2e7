namespace Distributed.Trainer.Data;

/// <summary>
/// A local folder of shards copied from a remote store (blob storage), so they can be memory-mapped. A copy is
/// named by its SHA-256 and is renamed into place only after the downloaded bytes matched it, so a present file
/// is a verified one: it is reused without downloading or hashing again, and a crash mid-download leaves only
/// a temporary file. Ranks on one host share the folder; two downloading the same shard each write their own
/// temporary file and the second rename replaces the first with identical bytes.
/// </summary>
public sealed class ShardCache
{
    /// <summary>Overrides the default folder.</summary>
    public const string DirectoryVariable = "DISTRIBUTED_SHARD_CACHE";

    private const string TempSuffix = ".tmp";

    public ShardCache(string directory)
    {
        Directory = System.IO.Path.GetFullPath(directory);
        System.IO.Directory.CreateDirectory(Directory);
    }

    public string Directory { get; }

    /// <summary>$DISTRIBUTED_SHARD_CACHE, else $XDG_CACHE_HOME/distributed/shards, else ~/.cache/distributed/shards.</summary>
    public static string DefaultDirectory
    {
        get
        {
            if (Environment.GetEnvironmentVariable(DirectoryVariable) is { Length: > 0 } dir) return dir;
            var root = Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg
                ? xdg
                : System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
            return System.IO.Path.Combine(root, "distributed", "shards");
        }
    }

    /// <summary>The local path of a shard's verified copy.</summary>
    public string PathOf(ShardInfo info) => System.IO.Path.Combine(Directory, $"{info.Sha256}.shard");

    /// <summary>True when a verified copy of the shard is already here (its size is checked; its hash was, on download).</summary>
    public bool Contains(ShardInfo info)
    {
        var file = new FileInfo(PathOf(info));
        return file.Exists && file.Length == info.Bytes;
    }

    /// <summary>The local path of the shard, downloading and verifying it from <paramref name="store"/> first when it is not here.</summary>
    public async Task<string> GetAsync(IShardStore store, ShardInfo info, CancellationToken cancellationToken = default)
    {
        var path = PathOf(info);
        if (Contains(info)) return path;
        var temp = $"{path}.{Guid.NewGuid():N}{TempSuffix}";
        try
        {
            var source = await store.OpenReadAsync(info.Name, cancellationToken).ConfigureAwait(false);
            await using (source.ConfigureAwait(false))
            {
                var target = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous);
                await using (target.ConfigureAwait(false))
                {
                    await ShardChecksum.CopyAndVerifyAsync(source, target, info, cancellationToken).ConfigureAwait(false);
                    target.Flush(flushToDisk: true);
                }
            }
            File.Move(temp, path, overwrite: true);
            return path;
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }
}
