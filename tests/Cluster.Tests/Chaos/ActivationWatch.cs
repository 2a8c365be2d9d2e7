using Distributed.Grains.Checkpoints;
using Distributed.Grains.Data;
using Distributed.Grains.Jobs;
using Distributed.Grains.Workers;
using Distributed.TestSupport;

namespace Distributed.Cluster.Tests.Chaos;

/// <summary>
/// Samples, about twice a second while a scenario runs, how many activations the cluster holds of the job's grains
/// (job, data shard, checkpoints) and of every worker grain: none may ever have two. A sample the cluster cannot
/// answer (a silo just killed or frozen) is skipped.
/// </summary>
internal sealed class ActivationWatch : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly List<string> _duplicates = [];

    private ActivationWatch(LocalCluster cluster, string jobId)
    {
        var grains = new List<(string Name, GrainId Id)>
        {
            ("job", cluster.Grains.GetGrain<IJobGrain>(jobId).GetGrainId()),
            ("data shard", cluster.Grains.GetGrain<IDataShardGrain>(jobId).GetGrainId()),
            ("checkpoints", cluster.Grains.GetGrain<ICheckpointGrain>(jobId).GetGrainId()),
        };
        grains.AddRange(Enumerable.Range(0, ChaosFixture.Workers).Select(g => ($"worker {g}", cluster.Grains.GetGrain<IWorkerGrain>(g).GetGrainId())));
        _loop = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                try
                {
                    var stats = await cluster.Management.GetDetailedGrainStatistics().WaitAsync(TimeSpan.FromSeconds(3), _stop.Token);
                    Samples++;
                    foreach (var (name, id) in grains)
                    {
                        var silos = stats.Where(s => s.GrainId == id).Select(s => s.SiloAddress).ToList();
                        if (silos.Count > 1) lock (_duplicates) _duplicates.Add($"{DateTimeOffset.UtcNow:HH:mm:ss.fff} {name}: {silos.Count} activations on {string.Join(", ", silos)}");
                    }
                }
                catch (Exception) when (!_stop.IsCancellationRequested)
                {
                    // A silo that is dead or frozen does not answer; the next sample asks again.
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                try
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(500), _stop.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        });
    }

    public int Samples { get; private set; }

    public IReadOnlyList<string> Duplicates
    {
        get
        {
            lock (_duplicates) return [.. _duplicates];
        }
    }

    public static ActivationWatch Start(LocalCluster cluster, string jobId) => new(cluster, jobId);

    public async ValueTask DisposeAsync()
    {
        if (_stopped) return;
        _stopped = true;
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }

    private bool _stopped;
}
