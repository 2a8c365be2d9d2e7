using Distributed.Actors.TestHost.Grains;

namespace Distributed.Actors.Tests.Semantics;

/// <summary>What every grain sees, whatever the mode: run embedded and against a three-silo cluster.</summary>
public abstract class GrainSemanticsTests
{
    protected abstract IGrainFactory Grains { get; }

    private static string NewKey() => Guid.NewGuid().ToString("N");

    [Fact]
    public async Task Calls_to_one_grain_reach_one_activation()
    {
        var key = NewKey();
        var first = await Grains.GetGrain<ICounterGrain>(key).WhereAsync();

        var later = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => Grains.GetGrain<ICounterGrain>(key).WhereAsync()));

        Assert.All(later, stamp => Assert.Equal(first.ActivationId, stamp.ActivationId));
    }

    [Fact]
    public async Task State_survives_deactivation()
    {
        var key = NewKey();
        var counter = Grains.GetGrain<ICounterGrain>(key);
        Assert.Equal(1, await counter.IncrementAsync());
        Assert.Equal(2, await counter.IncrementAsync());
        var before = await counter.WhereAsync();
        await counter.DeactivateAsync();

        var after = await counter.WhereAsync();

        Assert.NotEqual(before.ActivationId, after.ActivationId);
        Assert.Equal(2, after.Value);
        Assert.Equal(3, await counter.IncrementAsync());
    }

    [Fact]
    public async Task Exclusive_calls_take_turns()
    {
        var grain = Grains.GetGrain<ITurnGrain>(Guid.NewGuid());

        var maxima = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => grain.ExclusiveAsync(30)));

        Assert.Equal(1, maxima.Max());
    }

    [Fact]
    public async Task Read_only_calls_interleave_with_each_other()
    {
        var grain = Grains.GetGrain<ITurnGrain>(Guid.NewGuid());

        var maxima = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => grain.ReadAsync(200)));

        Assert.True(maxima.Max() > 1, $"read-only calls never overlapped (max {maxima.Max()} inside at once)");
    }

    [Fact]
    public async Task Calls_of_a_reentrant_grain_interleave()
    {
        var grain = Grains.GetGrain<IReentrantGrain>(Guid.NewGuid());

        var maxima = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => grain.HoldAsync(200)));

        Assert.True(maxima.Max() > 1, $"reentrant calls never overlapped (max {maxima.Max()} inside at once)");
    }

    [Fact]
    public async Task Interleaving_calls_never_run_grain_code_in_parallel()
    {
        var grain = Grains.GetGrain<IReentrantGrain>(Guid.NewGuid());

        var counts = await Task.WhenAll(Enumerable.Range(0, 200).Select(_ => grain.BumpAsync()));

        Assert.Equal(Enumerable.Range(1, 200), counts.Order());
    }

    [Fact]
    public async Task A_reentrant_grain_can_call_itself()
    {
        var grain = Grains.GetGrain<IReentrantGrain>(Guid.NewGuid());

        Assert.Equal(1, await grain.CallSelfAsync());
        Assert.Equal(2, await grain.CallSelfAsync());
    }

    [Fact]
    public async Task Always_interleave_calls_run_during_an_exclusive_call()
    {
        var grain = Grains.GetGrain<ITurnGrain>(Guid.NewGuid());
        await grain.InterleaveAsync(0);
        var exclusive = grain.ExclusiveAsync(1000);

        // The exclusive call may not be inside the grain yet: ask until the interleaving call sees it there.
        var seen = 1;
        while (seen < 2 && !exclusive.IsCompleted)
        {
            seen = await grain.InterleaveAsync(0);
        }
        await exclusive;

        Assert.Equal(2, seen);
    }

    [Fact]
    public async Task Exceptions_come_back_with_type_and_message()
    {
        var grain = Grains.GetGrain<IFaultyGrain>(42);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => grain.ThrowAsync("boom 42"));

        Assert.Equal("boom 42", error.Message);
    }

    [Fact]
    public async Task A_call_past_its_deadline_throws_TimeoutException()
    {
        var grain = Grains.GetGrain<IFaultyGrain>(7);
        using (GrainCallScope.WithTimeout(TimeSpan.FromMilliseconds(300)))
        {
            await Assert.ThrowsAsync<TimeoutException>(() => grain.SlowAsync(20_000, CancellationToken.None));
        }
        Assert.Equal(5, await grain.SlowAsync(5, CancellationToken.None));
    }

    [Fact]
    public async Task A_cancelled_call_throws_OperationCanceledException()
    {
        var grain = Grains.GetGrain<IFaultyGrain>(8);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => grain.SlowAsync(20_000, cancel.Token));
    }
}
