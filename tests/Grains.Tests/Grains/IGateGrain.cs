using Orleans.Concurrency;

namespace Distributed.Grains.Tests.Grains;

/// <summary>A call that holds its turn until another call opens the gate (or a timeout passes): shows whether two
/// calls to one activation can interleave. Non-reentrant, Orleans' default.</summary>
public interface IGateGrain : IGrainWithStringKey
{
    /// <summary>Waits for OpenAsync for at most <paramref name="timeout"/>; true if it was opened.</summary>
    Task<bool> WaitAsync(TimeSpan timeout);

    Task OpenAsync();

    /// <summary>The most calls seen inside the grain at once.</summary>
    Task<int> MaxInsideAsync();
}

/// <summary>The same gate, on a [Reentrant] grain class.</summary>
public interface IReentrantGateGrain : IGrainWithStringKey
{
    Task<bool> WaitAsync(TimeSpan timeout);

    Task OpenAsync();

    Task<int> MaxInsideAsync();
}

/// <summary>The same gate on a non-reentrant grain whose OpenAsync is [AlwaysInterleave].</summary>
public interface IInterleavingGateGrain : IGrainWithStringKey
{
    Task<bool> WaitAsync(TimeSpan timeout);

    [AlwaysInterleave]
    Task OpenAsync();

    Task<int> MaxInsideAsync();
}
