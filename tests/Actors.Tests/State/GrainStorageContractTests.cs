using Distributed.Actors.State;

namespace Distributed.Actors.Tests.State;

/// <summary>What every storage provider guarantees: ETag-conditional writes and no torn state. Run per provider.</summary>
public abstract class GrainStorageContractTests
{
    protected abstract IGrainStorage Storage { get; }

    protected static GrainId NewGrain() => new("test.state", Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task A_missing_record_reads_as_null()
    {
        Assert.Null(await Storage.ReadAsync<BigState>(NewGrain(), "s", CancellationToken.None));
    }

    [Fact]
    public async Task Writes_round_trip_and_change_the_etag()
    {
        var grain = NewGrain();
        var first = await Storage.WriteAsync(grain, "s", BigState.Of(1, 10), null, CancellationToken.None);
        var second = await Storage.WriteAsync(grain, "s", BigState.Of(2, 10), first, CancellationToken.None);

        var stored = await Storage.ReadAsync<BigState>(grain, "s", CancellationToken.None);

        Assert.NotEqual(first, second);
        Assert.Equal(second, stored!.Etag);
        Assert.Equal(2, stored.State.Version);
    }

    [Fact]
    public async Task A_write_with_a_stale_etag_throws_naming_grain_and_etags()
    {
        var grain = NewGrain();
        var first = await Storage.WriteAsync(grain, "s", BigState.Of(1, 10), null, CancellationToken.None);
        var second = await Storage.WriteAsync(grain, "s", BigState.Of(2, 10), first, CancellationToken.None);

        var error = await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.WriteAsync(grain, "s", BigState.Of(3, 10), first, CancellationToken.None));

        Assert.Equal(grain, error.GrainId);
        Assert.Equal(first, error.ExpectedEtag);
        Assert.Equal(second, error.StoredEtag);
        Assert.Contains(grain.ToString(), error.Message, StringComparison.Ordinal);
        Assert.Contains(first, error.Message, StringComparison.Ordinal);
        Assert.Equal(2, (await Storage.ReadAsync<BigState>(grain, "s", CancellationToken.None))!.State.Version);
    }

    [Fact]
    public async Task Of_racing_writers_from_the_same_etag_exactly_one_wins()
    {
        var grain = NewGrain();
        var etag = await Storage.WriteAsync(grain, "s", BigState.Of(0, 10), null, CancellationToken.None);

        var outcomes = await Task.WhenAll(Enumerable.Range(1, 8).Select(async i =>
        {
            try
            {
                await Storage.WriteAsync(grain, "s", BigState.Of(i, 1000), etag, CancellationToken.None);
                return i;
            }
            catch (InconsistentStateException)
            {
                return 0;
            }
        }));

        var winner = Assert.Single(outcomes, o => o != 0);
        Assert.Equal(winner, (await Storage.ReadAsync<BigState>(grain, "s", CancellationToken.None))!.State.Version);
    }

    [Fact]
    public async Task Of_racing_creators_exactly_one_wins()
    {
        var grain = NewGrain();

        var outcomes = await Task.WhenAll(Enumerable.Range(1, 8).Select(async i =>
        {
            try
            {
                await Storage.WriteAsync(grain, "s", BigState.Of(i, 10), null, CancellationToken.None);
                return true;
            }
            catch (InconsistentStateException)
            {
                return false;
            }
        }));

        Assert.Single(outcomes, o => o);
    }

    [Fact]
    public async Task Clear_is_conditional_too()
    {
        var grain = NewGrain();
        var first = await Storage.WriteAsync(grain, "s", BigState.Of(1, 10), null, CancellationToken.None);
        var second = await Storage.WriteAsync(grain, "s", BigState.Of(2, 10), first, CancellationToken.None);

        await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.ClearAsync(grain, "s", first, CancellationToken.None));
        await Storage.ClearAsync(grain, "s", second, CancellationToken.None);

        Assert.Null(await Storage.ReadAsync<BigState>(grain, "s", CancellationToken.None));
    }

    [Fact]
    public async Task A_second_activation_with_an_old_read_cannot_overwrite_the_first()
    {
        var grain = NewGrain();
        var first = new PersistentState<BigState>(grain, "s", Storage);
        var second = new PersistentState<BigState>(grain, "s", Storage);
        await first.ReadStateAsync();
        await second.ReadStateAsync();

        first.State = BigState.Of(1, 10);
        await first.WriteStateAsync();
        second.State = BigState.Of(2, 10);

        await Assert.ThrowsAsync<InconsistentStateException>(() => second.WriteStateAsync());
        await second.ReadStateAsync();
        Assert.Equal(1, second.State.Version);
    }

    [Fact]
    public async Task An_interrupted_write_leaves_the_old_or_the_new_state_never_a_torn_one()
    {
        var grain = NewGrain();
        var etag = await Storage.WriteAsync(grain, "s", BigState.Of(1, 1000), null, CancellationToken.None);
        for (var delayMs = 0; delayMs < 5; delayMs++)
        {
            using var interrupt = new CancellationTokenSource(TimeSpan.FromMilliseconds(delayMs));
            try
            {
                etag = await Storage.WriteAsync(grain, "s", BigState.Of(2 + delayMs, 4 << 20), etag, interrupt.Token);
            }
            catch (OperationCanceledException)
            {
                // Interrupted: whatever reached the store must still read back whole.
            }
            var stored = await Storage.ReadAsync<BigState>(grain, "s", CancellationToken.None);
            Assert.NotNull(stored);
            Assert.Equal(stored.State.Version == 1 ? 1000 : 4 << 20, stored.State.Payload.Length);
            etag = stored.Etag;
        }
    }
}
