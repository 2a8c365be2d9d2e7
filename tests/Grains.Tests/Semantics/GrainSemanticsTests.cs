using Distributed.Grains.Tests.Grains;
using Orleans.Runtime;

namespace Distributed.Grains.Tests.Semantics;

// Orleans' grain semantics as this project relies on them, on two silos with TCP between them.
[Collection(ClusterCollection.Name)]
public sealed class GrainSemanticsTests(ClusterFixture fixture)
{
    private static readonly TimeSpan GateTimeout = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task Concurrent_calls_from_both_silos_and_the_client_reach_one_activation()
    {
        // Callers on each silo (through grains there) and the client, all at once, for one key.
        var grain = fixture.Grains.GetGrain<IActivationGrain>(42);
        var answers = await Task.WhenAll(Enumerable.Range(0, 200).Select(_ => grain.WhoAsync()));
        Assert.Single(answers.Select(a => a.Activation).Distinct());
        Assert.Equal(Enumerable.Range(1, 200), answers.Select(a => a.Calls).Order());
        var stats = await fixture.Grains.GetGrain<IManagementGrain>(0).GetDetailedGrainStatistics();
        Assert.Single(stats, s => s.GrainId == grain.GetGrainId());
    }

    [Fact]
    public async Task A_non_reentrant_grain_runs_one_call_at_a_time()
    {
        var key = Guid.NewGuid().ToString();
        var gate = fixture.Grains.GetGrain<IGateGrain>(key);
        var waiting = gate.WaitAsync(GateTimeout);
        await GateSignals.WhenEnteredAsync(key);
        var open = gate.OpenAsync();
        // The open call queues behind the waiting one, which therefore times out; only then does open run.
        Assert.False(await waiting, "the gate was opened while WaitAsync held the turn: two calls interleaved");
        await open;
        Assert.Equal(1, await gate.MaxInsideAsync());
    }

    [Fact]
    public async Task A_reentrant_grain_interleaves_calls_at_awaits()
    {
        var key = Guid.NewGuid().ToString();
        var gate = fixture.Grains.GetGrain<IReentrantGateGrain>(key);
        var waiting = gate.WaitAsync(TimeSpan.FromSeconds(30));
        await GateSignals.WhenEnteredAsync(key);
        await gate.OpenAsync();
        Assert.True(await waiting);
        Assert.Equal(2, await gate.MaxInsideAsync());
    }

    [Fact]
    public async Task An_always_interleave_method_runs_while_another_call_holds_the_turn()
    {
        var key = Guid.NewGuid().ToString();
        var gate = fixture.Grains.GetGrain<IInterleavingGateGrain>(key);
        var waiting = gate.WaitAsync(TimeSpan.FromSeconds(30));
        await GateSignals.WhenEnteredAsync(key);
        await gate.OpenAsync();
        Assert.True(await waiting);
        Assert.Equal(2, await gate.MaxInsideAsync());
    }
}
