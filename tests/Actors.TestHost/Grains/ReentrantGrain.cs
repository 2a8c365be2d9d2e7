namespace Distributed.Actors.TestHost.Grains;

// Plain fields without locks: interleaving calls meet only at awaits, never in parallel.
[Reentrant]
public sealed class ReentrantGrain : Grain, IReentrantGrain
{
    private int _inside;
    private int _maxInside;
    private int _count;

    public async Task<int> HoldAsync(int delayMs)
    {
        _inside++;
        _maxInside = Math.Max(_maxInside, _inside);
        await Task.Delay(delayMs);
        _inside--;
        return _maxInside;
    }

    public Task<int> CallSelfAsync() => GrainFactory.GetGrain<IReentrantGrain>(GetPrimaryKey()).BumpAsync();

    public async Task<int> BumpAsync()
    {
        await Task.Yield();
        var seen = _count;
        // Widens the window a parallel caller would need to lose an update.
        Thread.SpinWait(50_000);
        _count = seen + 1;
        return _count;
    }
}
