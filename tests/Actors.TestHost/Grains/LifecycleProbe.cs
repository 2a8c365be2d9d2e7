using System.Collections.Concurrent;

namespace Distributed.Actors.TestHost.Grains;

/// <summary>Where lifecycle grains report activations, deactivations and timer ticks, so tests can wait on them as events.</summary>
public sealed class LifecycleProbe
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource<DeactivationReason>> _deactivated = new();

    private int _activations;
    private int _ticks;

    public int Activations => Volatile.Read(ref _activations);

    public int Ticks => Volatile.Read(ref _ticks);

    public void OnActivated() => Interlocked.Increment(ref _activations);

    public void OnTick() => Interlocked.Increment(ref _ticks);

    public Task<DeactivationReason> Deactivated(string key) => Entry(key).Task;

    public void OnDeactivated(string key, DeactivationReason reason) => Entry(key).TrySetResult(reason);

    private TaskCompletionSource<DeactivationReason> Entry(string key) =>
        _deactivated.GetOrAdd(key, _ => new TaskCompletionSource<DeactivationReason>(TaskCreationOptions.RunContinuationsAsynchronously));
}
