using System.Collections.Concurrent;
using Distributed.Grains.Workers;

namespace Distributed.Dashboard.Tests.Fakes;

/// <summary>
/// The simulated GPUs of the test silo: which exist, which were killed (their owner is gone: the worker grain then
/// answers as the real placement does, with NoGpuOwnerException) and what each one last did.
/// </summary>
public sealed class FakeWorkers(int gpus)
{
    private readonly ConcurrentDictionary<int, WorkerStatus> _status = new();
    private readonly ConcurrentDictionary<int, bool> _dead = new();

    public int Count { get; } = gpus;

    public bool IsAlive(int gpu) => gpu >= 0 && gpu < Count && !_dead.ContainsKey(gpu);

    /// <summary>The simulated kill -9 of the GPU's silo.</summary>
    public void Kill(int gpu) => _dead[gpu] = true;

    public WorkerStatus Get(int gpu) => _status.GetValueOrDefault(gpu)
        ?? new WorkerStatus(gpu, "fake-silo", "cpu", WorkerState.Idle, null, null, -1, 0, null, 0, null);

    public void Set(WorkerStatus status) => _status[status.Gpu] = status;
}
