using Azure.Storage.Blobs;

namespace Distributed.Trainer.Data;

/// <summary>
/// Opens a shard store from a location a user types: "blob://CONTAINER/PREFIX" for Azure Blob storage, with the
/// account from the AZURE_STORAGE_CONNECTION_STRING environment variable, or a local directory otherwise.
/// </summary>
public static class ShardStores
{
    public const string BlobScheme = "blob://";
    public const string ConnectionStringVariable = "AZURE_STORAGE_CONNECTION_STRING";

    public static IShardStore Open(string location)
    {
        if (!location.StartsWith(BlobScheme, StringComparison.Ordinal)) return new LocalDirectoryShardStore(location);
        var path = location[BlobScheme.Length..];
        var slash = path.IndexOf('/');
        var container = slash < 0 ? path : path[..slash];
        var prefix = slash < 0 ? "" : path[(slash + 1)..];
        if (container.Length == 0) throw new ArgumentException($"'{location}' names no container: use blob://CONTAINER/PREFIX", nameof(location));
        var connection = Environment.GetEnvironmentVariable(ConnectionStringVariable);
        if (string.IsNullOrEmpty(connection))
            throw new InvalidOperationException($"'{location}' is in blob storage: set {ConnectionStringVariable} to the storage account's connection string");
        return new BlobShardStore(new BlobServiceClient(connection).GetBlobContainerClient(container), prefix);
    }
}
