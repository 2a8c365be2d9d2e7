using Distributed.Grains.Placement;
using Distributed.Grains.Workers;

namespace Distributed.Dashboard.Tests.Fakes;

/// <summary>A worker double: reports what <see cref="FakeWorkers"/> holds; a killed or unknown GPU has no owner.</summary>
public sealed class FakeWorkerGrain(FakeWorkers workers) : Grain, IWorkerGrain
{
    private int Gpu => (int)this.GetPrimaryKeyLong();

    public Task<WorkerStatus> GetStatusAsync() => workers.IsAlive(Gpu)
        ? Task.FromResult(workers.Get(Gpu))
        : Task.FromException<WorkerStatus>(NoGpuOwnerException.NoOwner(Gpu, ["fake-silo"]));

    public Task<ReplicaInfo> PingAsync() => throw new NotSupportedException("not used by the dashboard");

    public Task<ReplicaInfo> TouchReplicaAsync() => throw new NotSupportedException("not used by the dashboard");

    public Task<double[]> TimePeerCallsAsync(int peerGpu, int calls) => throw new NotSupportedException("not used by the dashboard");

    public Task<RendezvousAddress> OpenRendezvousAsync(string jobId, string worldId) => throw new NotSupportedException("not used by the dashboard");

    public Task StartAsync(WorkerAssignment assignment) => throw new NotSupportedException("not used by the dashboard");

    public Task StopAsync(string jobId, string reason) => throw new NotSupportedException("not used by the dashboard");

    // Part of IWorkerGrain on branch cluster (checkpoint on request); a plain method until then.
    public Task RequestCheckpointAsync(string jobId) => throw new NotSupportedException("not used by the dashboard");

    public Task AbortAsync(string jobId, string worldId, string reason) => throw new NotSupportedException("not used by the dashboard");

    public Task RegroupAsync(string jobId, string worldId, string reason) => throw new NotSupportedException("not used by the dashboard");

    public Task ReleaseAsync(string jobId, string reason) => throw new NotSupportedException("not used by the dashboard");
}
