using Azure.Storage.Blobs;
using Distributed.Trainer.Data;

namespace Distributed.Trainer.Training.Checkpoints;

/// <summary>
/// Opens a checkpoint store from a location a user types: "blob://CONTAINER/PREFIX" for Azure Blob storage, with
/// the account from the AZURE_STORAGE_CONNECTION_STRING environment variable, or a local folder otherwise.
/// </summary>
public static class CheckpointStores
{
    public const string BlobScheme = ShardStores.BlobScheme;

    public static ICheckpointStore Open(string location)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(location);
        if (!location.StartsWith(BlobScheme, StringComparison.Ordinal)) return new LocalCheckpointStore(location);
        var path = location[BlobScheme.Length..];
        var slash = path.IndexOf('/');
        var container = slash < 0 ? path : path[..slash];
        var prefix = slash < 0 ? "" : path[(slash + 1)..];
        if (container.Length == 0)
            throw new JobException($"checkpoint location '{location}' names no container: use blob://CONTAINER/PREFIX");
        var connection = Environment.GetEnvironmentVariable(ShardStores.ConnectionStringVariable);
        if (string.IsNullOrWhiteSpace(connection))
            throw new JobException($"checkpoint location '{location}' is in blob storage: set {ShardStores.ConnectionStringVariable} to the storage account's connection string");
        BlobServiceClient service;
        try
        {
            service = new BlobServiceClient(connection);
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            throw new JobException($"{ShardStores.ConnectionStringVariable} is not a storage connection string ({e.Message}): copy it from the storage account's access keys");
        }
        return new BlobCheckpointStore(service.GetBlobContainerClient(container), prefix);
    }
}
