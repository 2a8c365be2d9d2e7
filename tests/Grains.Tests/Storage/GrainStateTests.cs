using Distributed.Grains.Tests.Grains;
using Orleans.Storage;

namespace Distributed.Grains.Tests.Storage;

[Collection(ClusterCollection.Name)]
public sealed class GrainStateTests(ClusterFixture fixture)
{
    [Fact]
    public async Task Each_write_gets_a_new_etag_and_a_new_activation_reads_the_last_write()
    {
        var grain = fixture.Grains.GetGrain<IStateGrain>(Guid.NewGuid().ToString());
        var (_, first) = await grain.WriteAsync(1);
        var (_, second) = await grain.WriteAsync(2);
        Assert.NotNull(first);
        Assert.NotEqual(first, second);
        await grain.DeactivateAsync();
        Assert.Equal((2, second), await grain.ReadAsync());
    }

    [Fact]
    public async Task A_writer_that_lost_the_race_gets_InconsistentStateException_and_the_winner_is_kept()
    {
        var grain = fixture.Grains.GetGrain<IStateGrain>(Guid.NewGuid().ToString());
        await grain.WriteAsync(1);
        // Another writer stores 7 with the current ETag; the grain's ETag is now stale.
        await grain.OverwriteBehindTheGrainsBackAsync(7);
        await Assert.ThrowsAsync<InconsistentStateException>(() => grain.WriteAsync(2));
        // Orleans deactivates an activation whose write hit an ETag conflict: the next call re-reads storage.
        Assert.Equal(7, (await grain.ReadAsync()).Value);
    }
}
