namespace Distributed.Grains.Storage;

/// <summary>Names of the grain storage providers a silo registers.</summary>
public static class GrainStorageNames
{
    /// <summary>Grain state: Azure Blob storage in a cluster, memory in the embedded silo.</summary>
    public const string State = "state";
}
