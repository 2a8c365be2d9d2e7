using System.Text;
using Distributed.TestSupport;

namespace Distributed.Cluster.Tests;

internal static class Blobs
{
    /// <summary>The one grain-state blob whose name contains <paramref name="key"/>, with its text and ETag.</summary>
    public static async Task<(string Name, string Json, string ETag)> SingleStateBlobAsync(LocalCluster cluster, string key)
    {
        var container = cluster.Storage.Container(new Silo.Hosting.DistributedClusterOptions().StateContainer);
        var names = new List<string>();
        await foreach (var item in container.GetBlobsAsync())
            if (item.Name.Contains(key, StringComparison.Ordinal)) names.Add(item.Name);
        var name = Assert.Single(names);
        var content = await container.GetBlobClient(name).DownloadContentAsync();
        return (name, Encoding.UTF8.GetString(content.Value.Content.ToArray()), content.Value.Details.ETag.ToString());
    }
}
