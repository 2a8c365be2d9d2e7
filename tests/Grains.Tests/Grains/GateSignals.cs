using System.Collections.Concurrent;

namespace Distributed.Grains.Tests.Grains;

/// <summary>Tells the test (same process: TestingHost silos run in it) that a gate's WaitAsync has started, so the
/// test sends OpenAsync only after it; otherwise the two messages may arrive in either order.</summary>
public static class GateSignals
{
    private static readonly ConcurrentDictionary<string, TaskCompletionSource> Entered = new();

    public static void Enter(string key) => Signal(key).TrySetResult();

    public static Task WhenEnteredAsync(string key) => Signal(key).Task.WaitAsync(TimeSpan.FromSeconds(30));

    private static TaskCompletionSource Signal(string key) => Entered.GetOrAdd(key, _ => new(TaskCreationOptions.RunContinuationsAsynchronously));
}
