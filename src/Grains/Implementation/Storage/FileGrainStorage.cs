using System.Security.Cryptography;
using Orleans.Storage;

namespace Distributed.Grains.Storage;

/// <summary>
/// Grain state as JSON files in one folder, for the silos of one machine (cluster mode <c>host</c>: a GPU host with
/// one silo process per GPU and no storage service). A write replaces the file atomically (write aside, rename), and
/// only over the version it read: the ETag is the SHA-256 of the file's bytes, so a second activation's stale write
/// fails with <see cref="InconsistentStateException"/> as it would on Azure Blob storage. The check and the write hold
/// an exclusive lock on a file beside the state (an advisory lock that every silo process of the machine takes), so
/// of two writers over the same version exactly one wins, whichever processes they run in.
/// </summary>
public sealed class FileGrainStorage(string directory, IGrainStorageSerializer serializer) : IGrainStorage
{
    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var path = PathOf(stateName, grainId);
        if (!File.Exists(path))
        {
            grainState.State = Activator.CreateInstance<T>();
            (grainState.ETag, grainState.RecordExists) = (null, false);
            return;
        }
        var bytes = await File.ReadAllBytesAsync(path).ConfigureAwait(false);
        grainState.State = serializer.Deserialize<T>(new BinaryData(bytes));
        (grainState.ETag, grainState.RecordExists) = (ETagOf(bytes), true);
    }

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var path = PathOf(stateName, grainId);
        var bytes = serializer.Serialize(grainState.State).ToArray();
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var gate = await LockAsync(path).ConfigureAwait(false);
        await CheckETagAsync(path, grainState.ETag, stateName, grainId).ConfigureAwait(false);
        var aside = $"{path}.{Guid.NewGuid():N}.tmp";
        await File.WriteAllBytesAsync(aside, bytes).ConfigureAwait(false);
        File.Move(aside, path, overwrite: true);
        (grainState.ETag, grainState.RecordExists) = (ETagOf(bytes), true);
    }

    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var path = PathOf(stateName, grainId);
        if (!Directory.Exists(Path.GetDirectoryName(path))) Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var gate = await LockAsync(path).ConfigureAwait(false);
        await CheckETagAsync(path, grainState.ETag, stateName, grainId).ConfigureAwait(false);
        File.Delete(path);
        grainState.State = Activator.CreateInstance<T>();
        (grainState.ETag, grainState.RecordExists) = (null, false);
    }

    private static async Task CheckETagAsync(string path, string? expected, string stateName, GrainId grainId)
    {
        var stored = File.Exists(path) ? ETagOf(await File.ReadAllBytesAsync(path).ConfigureAwait(false)) : null;
        if (stored != expected)
            throw new InconsistentStateException($"the {stateName} state of {grainId} in {path} was written by another activation", stored ?? "(none)", expected ?? "(none)");
    }

    // FileShare.None is an exclusive flock on Linux: held by one writer of any process at a time. Another writer waits
    // (state writes take milliseconds); a lock never released within LockTimeout is reported, not waited on forever.
    private static readonly TimeSpan LockTimeout = TimeSpan.FromSeconds(30);

    private static async Task<FileStream> LockAsync(string path)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return new FileStream($"{path}.lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (clock.Elapsed < LockTimeout)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(50, 1 + attempt))).ConfigureAwait(false);
            }
            catch (IOException e)
            {
                throw new IOException($"grain state {path} stayed locked by another writer for {LockTimeout.TotalSeconds:F0} s; is a silo of this state directory hung?", e);
            }
        }
    }

    // One file per grain and state; characters a file name cannot hold are replaced, and a hash keeps names distinct.
    private string PathOf(string stateName, GrainId grainId)
    {
        var key = grainId.ToString();
        var safe = new string([.. key.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '_')]);
        if (safe.Length > 100) safe = safe[..100];
        var hash = Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(key)))[..12];
        return Path.Combine(directory, stateName, $"{safe}-{hash}.json");
    }

    private static string ETagOf(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes))[..32];
}
