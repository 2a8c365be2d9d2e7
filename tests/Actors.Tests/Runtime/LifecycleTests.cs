using Distributed.Actors.Hosting;
using Distributed.Actors.TestHost;
using Distributed.Actors.TestHost.Grains;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Distributed.Actors.Tests.Runtime;

/// <summary>Activation lifecycle, idle collection and timers in embedded mode on a fake clock.</summary>
public sealed class LifecycleTests : IAsyncLifetime
{
    private static readonly TimeSpan EventTimeout = TimeSpan.FromSeconds(10);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly SiloHost _silo;

    public LifecycleTests()
    {
        _silo = SiloBuilder.Create("embedded")
            .Configure(o =>
            {
                o.IdleTimeout = TimeSpan.FromMinutes(10);
                o.CollectionQuantum = TimeSpan.FromMinutes(1);
            })
            .UseTimeProvider(_time)
            .AddMemoryStorage()
            .AddTestGrains()
            .Build();
    }

    private LifecycleProbe Probe => _silo.Services.GetRequiredService<LifecycleProbe>();

    public Task InitializeAsync() => _silo.StartAsync();

    public async Task DisposeAsync() => await _silo.DisposeAsync();

    [Fact]
    public async Task First_call_activates_once_and_the_activation_is_listed()
    {
        var grain = _silo.GrainFactory.GetGrain<ILifecycleGrain>("a");

        var ids = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => grain.PingAsync()));

        Assert.Single(ids.Distinct());
        Assert.Equal(1, Probe.Activations);
        var listed = Assert.Single(_silo.Activations.List());
        Assert.Equal(ids[0], listed.ActivationId);
        Assert.Equal("test.lifecycle", listed.GrainId.Type);
        Assert.Single(await _silo.Directory.ListAsync(CancellationToken.None));
    }

    [Fact]
    public async Task An_idle_activation_is_deactivated_and_the_next_call_activates_anew()
    {
        var grain = _silo.GrainFactory.GetGrain<ILifecycleGrain>("idle");
        var first = await grain.PingAsync();

        _time.Advance(TimeSpan.FromMinutes(9));
        Assert.False(Probe.Deactivated("idle").IsCompleted);
        _time.Advance(TimeSpan.FromMinutes(2));

        Assert.Equal(DeactivationReason.Idle, await Probe.Deactivated("idle").WaitAsync(EventTimeout));
        Assert.Empty(_silo.Activations.List());
        Assert.NotEqual(first, await grain.PingAsync());
        Assert.Equal(2, Probe.Activations);
    }

    [Fact]
    public async Task A_used_activation_is_not_collected()
    {
        var grain = _silo.GrainFactory.GetGrain<ILifecycleGrain>("busy");
        var first = await grain.PingAsync();
        for (var minute = 0; minute < 30; minute += 5)
        {
            _time.Advance(TimeSpan.FromMinutes(5));
            Assert.Equal(first, await grain.PingAsync());
        }
        Assert.False(Probe.Deactivated("busy").IsCompleted);
    }

    [Fact]
    public async Task Timers_tick_as_turns_on_the_fake_clock()
    {
        var grain = _silo.GrainFactory.GetGrain<ILifecycleGrain>("timer");
        await grain.StartTimerAsync(TimeSpan.FromSeconds(10));

        _time.Advance(TimeSpan.FromSeconds(9));
        Assert.Equal(0, Probe.Ticks);
        for (var tick = 1; tick <= 3; tick++)
        {
            // The next tick is armed only after the previous one finished, which this thread cannot observe, so the
            // clock moves a second at a time until the tick shows.
            await WaitUntilAsync(() =>
            {
                if (Probe.Ticks >= tick)
                {
                    return true;
                }
                _time.Advance(TimeSpan.FromSeconds(1));
                return false;
            }, $"tick {tick}");
        }

        Assert.Equal(3, await grain.TicksAsync());
    }

    [Fact]
    public async Task Stopping_the_silo_deactivates_its_grains()
    {
        await _silo.GrainFactory.GetGrain<ILifecycleGrain>("stop").PingAsync();

        await _silo.StopAsync();

        Assert.Equal(DeactivationReason.SiloStopping, await Probe.Deactivated("stop").WaitAsync(EventTimeout));
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string phase)
    {
        using var timeout = new CancellationTokenSource(EventTimeout);
        while (!condition())
        {
            if (timeout.IsCancellationRequested)
            {
                throw new TimeoutException($"Waited {EventTimeout.TotalSeconds} s for {phase}.");
            }
            await Task.Delay(5);
        }
    }
}
