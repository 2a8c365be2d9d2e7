namespace Distributed.Actors.TestHost.Grains;

public sealed class TurnGrain : Grain, ITurnGrain
{
    private int _inside;
    private int _maxInside;

    public Task<int> ExclusiveAsync(int delayMs) => HoldAsync(delayMs);

    public Task<int> ReadAsync(int delayMs) => HoldAsync(delayMs);

    public Task<int> InterleaveAsync(int delayMs) => HoldAsync(delayMs);

    private async Task<int> HoldAsync(int delayMs)
    {
        var inside = Interlocked.Increment(ref _inside);
        InterlockedMax(ref _maxInside, inside);
        await Task.Delay(delayMs);
        Interlocked.Decrement(ref _inside);
        return Volatile.Read(ref _maxInside);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        var current = Volatile.Read(ref target);
        while (value > current && Interlocked.CompareExchange(ref target, value, current) != current)
        {
            current = Volatile.Read(ref target);
        }
    }
}
