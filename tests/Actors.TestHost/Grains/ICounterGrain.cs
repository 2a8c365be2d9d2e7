namespace Distributed.Actors.TestHost.Grains;

/// <summary>A persisted counter (hash placement).</summary>
[Alias("test.counter")]
public interface ICounterGrain : IGrainWithStringKey
{
    Task<int> IncrementAsync();

    [ReadOnly]
    Task<int> GetAsync();

    Task<ActivationStamp> WhereAsync();

    /// <summary>Deactivates after this call; the next call re-activates from persisted state.</summary>
    Task DeactivateAsync();
}
