namespace Distributed.Actors.TestHost.Grains;

/// <summary>Pinned (key "{silo}/..."): writes large state versions back to back, so a kill lands mid-write.</summary>
[Alias("test.writer")]
public interface IStateWriterGrain : IGrainWithStringKey
{
    /// <summary>Writes <paramref name="count"/> new versions of <paramref name="bytes"/> characters each; returns the last version.</summary>
    Task<int> WriteManyAsync(int count, int bytes);
}
