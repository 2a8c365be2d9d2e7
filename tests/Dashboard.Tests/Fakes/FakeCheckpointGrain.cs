using Distributed.Grains.Checkpoints;

namespace Distributed.Dashboard.Tests.Fakes;

/// <summary>A checkpoint-grain double: the job double adds committed checkpoints here; only List is read by the dashboard.</summary>
public sealed class FakeCheckpointGrain : Grain, ICheckpointGrain
{
    private readonly List<CheckpointInfo> _checkpoints = [];

    public Task<IReadOnlyList<CheckpointInfo>> ListAsync() => Task.FromResult<IReadOnlyList<CheckpointInfo>>([.. _checkpoints]);

    public Task<CheckpointInfo?> LatestCommittedAsync() => Task.FromResult(_checkpoints.LastOrDefault(c => c.Committed));

    /// <summary>The double's way in (the real grain is told by ranks through PartWritten).</summary>
    public Task<CheckpointPlan> BeginAsync(string location, long step, int worldSize, int keepLast, int keepEvery, int everySteps, string worldId)
    {
        _checkpoints.Add(new CheckpointInfo($"step-{step:D8}", step, 1_234_567 * worldSize, 0.42, true, false, worldSize, $"{location}/step-{step:D8}", DateTimeOffset.UtcNow));
        return Task.FromResult(new CheckpointPlan($"step-{step:D8}", location, step, worldSize));
    }

    public Task<CheckpointInfo> PartWrittenAsync(string name, int rank, IReadOnlyList<CheckpointFile> files, double seconds) =>
        throw new NotSupportedException("not used by the double");

    public Task AbandonAsync(string name, string reason) => throw new NotSupportedException("not used by the double");
}
