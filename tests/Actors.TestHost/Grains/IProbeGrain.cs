namespace Distributed.Actors.TestHost.Grains;

/// <summary>Pinned to one silo (key "{silo}/probe"): makes grain calls from that silo.</summary>
[Alias("test.probe")]
public interface IProbeGrain : IGrainWithStringKey
{
    Task<ActivationStamp> WhereAsync();

    Task<ActivationStamp> CounterWhereAsync(string counterKey);

    Task<int> IncrementCounterAsync(string counterKey);

    /// <summary>Calls every hammer grain <paramref name="callsPerKey"/> times, all at once.</summary>
    Task<List<ActivationStamp>> HammerAsync(string[] keys, int callsPerKey);
}
