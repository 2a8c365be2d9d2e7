using System.Globalization;
using Azure.Storage.Blobs;

namespace Distributed.TestSupport;

/// <summary>
/// Azurite (installed by infra/setup.d/31-azurite.sh) serving Blob and Table storage on free loopback ports with a
/// temporary data folder. It can be stopped and started again on the same ports and data, as an outage would.
/// </summary>
public sealed class AzuriteServer : IAsyncDisposable
{
    // Azurite's well-known development account.
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    private readonly string _program;
    private readonly string _dataDir;
    private readonly int _blobPort;
    private readonly int _tablePort;
    private readonly int _queuePort;
    private ExternalProcess? _process;

    private AzuriteServer(string program)
    {
        _program = program;
        _dataDir = Directory.CreateTempSubdirectory("azurite-test-").FullName;
        _blobPort = ExternalProcess.FreePort();
        _tablePort = ExternalProcess.FreePort();
        _queuePort = ExternalProcess.FreePort();
        ConnectionString = $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AccountKey};" +
                           $"BlobEndpoint=http://127.0.0.1:{_blobPort}/devstoreaccount1;TableEndpoint=http://127.0.0.1:{_tablePort}/devstoreaccount1;" +
                           $"QueueEndpoint=http://127.0.0.1:{_queuePort}/devstoreaccount1;";
    }

    /// <summary>For AZURE_STORAGE_CONNECTION_STRING: the development account with Blob, Table and Queue endpoints.</summary>
    public string ConnectionString { get; }

    public bool IsRunning => _process is { HasExited: false };

    public static async Task<AzuriteServer> StartAsync()
    {
        var server = new AzuriteServer(ExternalProcess.Require("azurite", "artifacts/npm-azurite/node_modules/.bin/azurite"));
        try
        {
            await server.RestartAsync();
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
        return server;
    }

    /// <summary>Starts Azurite (again) on the same ports and data folder.</summary>
    public async Task RestartAsync()
    {
        static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);
        // --skipApiVersionCheck: the SDKs speak newer service versions than this Azurite knows; the API surface used
        // here is old and stable. Orleans' Table clustering is refused without it.
        _process = ExternalProcess.Start("azurite", _program,
        [
            "--blobHost", "127.0.0.1", "--blobPort", Port(_blobPort), "--tableHost", "127.0.0.1", "--tablePort", Port(_tablePort),
            "--queueHost", "127.0.0.1", "--queuePort", Port(_queuePort), "--location", _dataDir, "--skipApiVersionCheck", "--loose",
        ]);
        await _process.WaitForLineAsync($"Table service is successfully listening at http://127.0.0.1:{Port(_tablePort)}", TimeSpan.FromSeconds(30));
        await _process.WaitForLineAsync($"Blob service is successfully listening at http://127.0.0.1:{Port(_blobPort)}", TimeSpan.FromSeconds(30));
    }

    /// <summary>Stops Azurite with SIGTERM (it saves its metadata and exits); the data folder stays for <see cref="RestartAsync"/>.</summary>
    public async Task StopAsync()
    {
        if (_process is null) return;
        _process.Terminate();
        if (!await _process.WaitForExitAsync(TimeSpan.FromSeconds(15))) _process.Kill();
        _process.Dispose();
        _process = null;
    }

    public BlobContainerClient Container(string name) => new BlobServiceClient(ConnectionString).GetBlobContainerClient(name);

    public ValueTask DisposeAsync()
    {
        _process?.Dispose();
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
