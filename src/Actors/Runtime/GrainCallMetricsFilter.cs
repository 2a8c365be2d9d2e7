using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Distributed.Actors.Runtime;

/// <summary>Counts grain calls and records their duration per grain type, method and outcome (meter "Distributed.Actors").</summary>
public sealed class GrainCallMetricsFilter : IIncomingGrainCallFilter, IDisposable
{
    public const string MeterName = "Distributed.Actors";

    private readonly Meter _meter = new(MeterName);
    private readonly Counter<long> _calls;
    private readonly Histogram<double> _duration;

    public GrainCallMetricsFilter()
    {
        _calls = _meter.CreateCounter<long>("grain.calls", description: "Grain calls run by this silo");
        _duration = _meter.CreateHistogram<double>("grain.call.duration", unit: "ms", description: "Time a grain call ran, queueing excluded");
    }

    public async Task InvokeAsync(IncomingGrainCallContext context, Func<Task> next)
    {
        var started = Stopwatch.GetTimestamp();
        var outcome = "ok";
        try
        {
            await next();
        }
        catch
        {
            outcome = "error";
            throw;
        }
        finally
        {
            var tags = new TagList { { "grain", context.GrainId.Type }, { "method", context.Method.Method.Name }, { "outcome", outcome } };
            _calls.Add(1, tags);
            _duration.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds, tags);
        }
    }

    public void Dispose() => _meter.Dispose();
}
