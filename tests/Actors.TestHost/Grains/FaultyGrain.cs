namespace Distributed.Actors.TestHost.Grains;

public sealed class FaultyGrain : Grain, IFaultyGrain
{
    public Task ThrowAsync(string message) => throw new InvalidOperationException(message);

    public Task ThrowOpaqueAsync(int code) => throw new OpaqueException(code);

    public async Task<int> SlowAsync(int delayMs, CancellationToken cancellationToken)
    {
        await Task.Delay(delayMs, cancellationToken);
        return delayMs;
    }
}
