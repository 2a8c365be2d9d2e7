using Azure.Storage.Blobs;

namespace Distributed.Actors.Tests.Infrastructure;

/// <summary>Azurite's blob service (installed by infra/setup.d/31-azurite.sh) on a free port with a temporary data folder.</summary>
public sealed class AzuriteServer : IAsyncDisposable
{
    // Azurite's well-known development account.
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    private readonly ExternalProcess _process;
    private readonly string _dataDir;

    private AzuriteServer(ExternalProcess process, string dataDir, int port)
    {
        _process = process;
        _dataDir = dataDir;
        ConnectionString = $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AccountKey};BlobEndpoint=http://127.0.0.1:{port}/devstoreaccount1;";
    }

    public string ConnectionString { get; }

    public static async Task<AzuriteServer> StartAsync()
    {
        var program = ExternalProcess.Require("azurite-blob", "artifacts/npm-azurite/node_modules/.bin/azurite-blob");
        var dataDir = Directory.CreateTempSubdirectory("azurite-test-").FullName;
        var port = ExternalProcess.FreePort();
        // The SDK may speak a newer service version than this Azurite knows; the API surface used here is old and stable.
        var process = ExternalProcess.Start("azurite", program, ["--blobHost", "127.0.0.1", "--blobPort", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--location", dataDir, "--skipApiVersionCheck", "--silent", "--loose"]);
        var server = new AzuriteServer(process, dataDir, port);
        await process.WaitForLineAsync("successfully listens", TimeSpan.FromSeconds(30));
        return server;
    }

    public BlobContainerClient Container(string name) => new BlobServiceClient(ConnectionString).GetBlobContainerClient(name);

    public ValueTask DisposeAsync()
    {
        _process.Dispose();
        try
        {
            Directory.Delete(_dataDir, recursive: true);
        }
        catch (IOException)
        {
            // A temp folder left behind is harmless.
        }
        return ValueTask.CompletedTask;
    }
}
