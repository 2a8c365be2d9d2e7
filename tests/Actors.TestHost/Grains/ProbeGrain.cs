namespace Distributed.Actors.TestHost.Grains;

[PinnedPlacement]
public sealed class ProbeGrain : Grain, IProbeGrain
{
    public Task<ActivationStamp> WhereAsync() => Task.FromResult(new ActivationStamp(SiloName, ActivationId, 0));

    public Task<ActivationStamp> CounterWhereAsync(string counterKey) => GrainFactory.GetGrain<ICounterGrain>(counterKey).WhereAsync();

    public Task<int> IncrementCounterAsync(string counterKey) => GrainFactory.GetGrain<ICounterGrain>(counterKey).IncrementAsync();

    public async Task<List<ActivationStamp>> HammerAsync(string[] keys, int callsPerKey)
    {
        var calls = keys.SelectMany(key => Enumerable.Range(0, callsPerKey).Select(_ => GrainFactory.GetGrain<IHammerGrain>(key).HitAsync()));
        return [.. await Task.WhenAll(calls)];
    }
}
