using Orleans.Concurrency;

namespace Distributed.Grains.Tests.Grains;

public abstract class GateGrainBase : Grain
{
    private TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _inside;
    private int _maxInside;

    public async Task<bool> WaitAsync(TimeSpan timeout)
    {
        _maxInside = Math.Max(_maxInside, ++_inside);
        GateSignals.Enter(this.GetPrimaryKeyString());
        try
        {
            await _gate.Task.WaitAsync(timeout);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
        finally
        {
            _inside--;
            _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    public Task OpenAsync()
    {
        _maxInside = Math.Max(_maxInside, _inside + 1);
        _gate.TrySetResult();
        return Task.CompletedTask;
    }

    public Task<int> MaxInsideAsync() => Task.FromResult(_maxInside);
}

/// <summary>Non-reentrant (Orleans' default): one call at a time, so a waiting call keeps the gate shut.</summary>
public sealed class GateGrain : GateGrainBase, IGateGrain;

/// <summary>Reentrant: calls interleave at awaits.</summary>
[Reentrant]
public sealed class ReentrantGateGrain : GateGrainBase, IReentrantGateGrain;

/// <summary>Non-reentrant, but its interface marks OpenAsync [AlwaysInterleave].</summary>
public sealed class InterleavingGateGrain : GateGrainBase, IInterleavingGateGrain;
