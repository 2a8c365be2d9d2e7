using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Distributed.Actors.Hosting;
using Distributed.Actors.Runtime;
using Distributed.Actors.TestHost;
using Distributed.Actors.TestHost.Grains;
using Microsoft.Extensions.DependencyInjection;
using Serilog;
using Serilog.Core;
using Serilog.Events;

namespace Distributed.Actors.Tests.Runtime;

/// <summary>Call filters, the metrics meter, and Serilog events carrying silo and grain context.</summary>
public sealed class ObservabilityTests
{
    [Fact]
    public async Task Call_filters_see_every_call_with_its_grain_method_and_result()
    {
        var recorder = new RecordingFilter();
        await using var silo = SiloBuilder.Create("filters").AddMemoryStorage().AddTestGrains()
            .ConfigureServices(s => s.AddSingleton<IIncomingGrainCallFilter>(recorder)).Build();
        await silo.StartAsync();

        await silo.GrainFactory.GetGrain<ICounterGrain>("f").IncrementAsync();
        await silo.GrainFactory.GetGrain<ICounterGrain>("f").IncrementAsync();

        Assert.Equal(["test.counter/f IncrementAsync() -> 1", "test.counter/f IncrementAsync() -> 2"], recorder.Calls);
    }

    [Fact]
    public async Task Calls_are_counted_on_the_Distributed_Actors_meter()
    {
        var counted = new ConcurrentBag<(long Value, string? Grain)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == GrainCallMetricsFilter.MeterName && instrument.Name == "grain.calls")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "grain")
                {
                    counted.Add((value, tag.Value as string));
                }
            }
        });
        listener.Start();
        await using var silo = SiloBuilder.Create("metrics").AddMemoryStorage().AddTestGrains().Build();
        await silo.StartAsync();

        await silo.GrainFactory.GetGrain<ICounterGrain>(Guid.NewGuid().ToString("N")).IncrementAsync();

        Assert.Contains(counted, c => c is { Value: 1, Grain: "test.counter" });
    }

    [Fact]
    public async Task Serilog_events_carry_the_silo_name_and_the_grain_id()
    {
        var sink = new CollectingSink();
        var logger = new LoggerConfiguration().MinimumLevel.Debug().WriteTo.Sink(sink).CreateLogger();
        await using var silo = SiloBuilder.Create("logged").UseSerilog(logger).AddMemoryStorage().AddTestGrains().Build();
        await silo.StartAsync();

        await Assert.ThrowsAsync<InvalidOperationException>(() => silo.GrainFactory.GetGrain<IFaultyGrain>(3).ThrowAsync("x"));
        await silo.GrainFactory.GetGrain<ILifecycleGrain>("logged").StartTimerAsync(TimeSpan.FromHours(1));

        var activated = Assert.Single(sink.Events, e => e.MessageTemplate.Text.StartsWith("Activated", StringComparison.Ordinal) && e.Properties["GrainId"].ToString().Contains("test.lifecycle/logged", StringComparison.Ordinal));
        Assert.Equal("\"logged\"", activated.Properties["SiloName"].ToString());
        Assert.Contains(sink.Events, e => e.Properties.TryGetValue("SiloId", out _) && e.Properties.ContainsKey("Endpoint"));
    }

    private sealed class RecordingFilter : IIncomingGrainCallFilter
    {
        public ConcurrentQueue<string> Calls { get; } = new();

        public async Task InvokeAsync(IncomingGrainCallContext context, Func<Task> next)
        {
            await next();
            Calls.Enqueue($"{context.GrainId} {context.Method.Id} -> {context.Result}");
        }
    }

    private sealed class CollectingSink : ILogEventSink
    {
        public ConcurrentQueue<LogEvent> Events { get; } = new();

        public void Emit(LogEvent logEvent) => Events.Enqueue(logEvent);
    }
}
