using Distributed.Trainer.Data;

namespace Distributed.Grains.Jobs;

/// <summary>Where a job's checkpoints go: a folder (or blob prefix) named after the job under the spec's storage.</summary>
public static class JobStorage
{
    public static string Location(string storage, string jobId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(storage);
        return storage.StartsWith(ShardStores.BlobScheme, StringComparison.Ordinal) ? $"{storage.TrimEnd('/')}/{jobId}" : Path.Combine(storage, jobId);
    }
}
