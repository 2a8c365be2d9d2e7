using Distributed.TestSupport;

namespace Distributed.Cluster.Tests.Chaos;

/// <summary>
/// The chaos suite's cluster: Azurite, s1 without GPUs (where coordinators go) and four worker silos s2-s5 owning
/// GPUs 0-3 (one CPU worker each, Gloo). Checkpoint uploads are capped (Workers:CheckpointUploadBytesPerSecond) so
/// that an upload lasts long enough to be killed in the middle. Every scenario leaves all five silos running.
/// </summary>
public sealed class ChaosFixture : IAsyncLifetime
{
    public const int Workers = 4;

    /// <summary>Bytes per second per rank: a part of the tiny job's checkpoint takes about two seconds.</summary>
    public const long UploadRate = 32 * 1024;

    public LocalCluster Cluster { get; private set; } = null!;

    private string? _connectionBefore;

    public async Task InitializeAsync()
    {
        Cluster = await LocalCluster.StartAsync(["", "0", "1", "2", "3"],
            environment: new Dictionary<string, string> { ["DISTRIBUTED_Workers__CheckpointUploadBytesPerSecond"] = UploadRate.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        // The checks read the jobs' checkpoints from this Azurite too (test classes run one at a time).
        _connectionBefore = Environment.GetEnvironmentVariable(ConnectionVariable);
        Environment.SetEnvironmentVariable(ConnectionVariable, Cluster.Storage.ConnectionString);
    }

    public async Task DisposeAsync()
    {
        Environment.SetEnvironmentVariable(ConnectionVariable, _connectionBefore);
        if (Cluster is not null) await Cluster.DisposeAsync();
    }

    private const string ConnectionVariable = "AZURE_STORAGE_CONNECTION_STRING";

    public SiloProcess SiloOfGpu(int gpu) => Cluster.Silos.Single(s => s.Gpus == gpu.ToString(System.Globalization.CultureInfo.InvariantCulture) && !s.HasExited);

    /// <summary>Starts again every silo that was killed or stopped (same name and GPUs), so the next scenario has the whole cluster.</summary>
    public async Task RestoreAsync()
    {
        foreach (var gone in Cluster.Silos.Where(s => s.HasExited).ToList())
        {
            Cluster.Remove(gone);
            await Cluster.StartSiloAsync(gone.Name, gone.Gpus);
        }
        await Cluster.WaitForActiveSilosAsync(Workers + 1, TimeSpan.FromSeconds(60), "restoring the chaos cluster");
    }
}
