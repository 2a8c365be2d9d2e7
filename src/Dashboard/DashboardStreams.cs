using System.Text.Json;
using Distributed.Grains.Jobs;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Distributed.Dashboard;

/// <summary>
/// Server-sent event streams. The job stream sends <c>status</c> (the job, when it changed), <c>points</c> (metric
/// points newer than the last sent) and <c>checkpoints</c>; the cluster stream sends <c>jobs</c> and <c>workers</c>.
/// They poll the grains every <see cref="TrainingDashboardOptions.PollInterval"/> and end with the request.
/// </summary>
public sealed class DashboardStreams(DashboardData data, IOptions<TrainingDashboardOptions> options, TimeProvider time)
{
    private readonly TimeSpan _interval = options.Value.PollInterval;
    private readonly int _maxPoints = options.Value.MaxHistoryPoints;

    public async Task JobAsync(HttpContext context, string jobId)
    {
        var ct = context.RequestAborted;
        Start(context);
        var lastStep = -1L;
        string? lastStatus = null;
        var lastCheckpoints = "";
        using var timer = new PeriodicTimer(_interval, time);
        do
        {
            try
            {
                var status = await data.GetJobAsync(jobId, ct);
                // The job grain stamps Updated when it persists, not on every step report: compare what the page shows.
                var fingerprint = $"{status.Updated:O}|{status.State}|{status.Step}|{status.WorldId}|{status.Events.Count}|{status.Events.LastOrDefault()?.Time:O}|" +
                    $"{status.Evaluations.Count}|{status.Checkpoints.Count}|{status.LastSteps.Count}";
                if (fingerprint != lastStatus)
                {
                    await SendAsync(context, "status", status, ct);
                    lastStatus = fingerprint;
                }
                var points = await data.GetHistoryAsync(jobId, lastStep + 1, _maxPoints, ct);
                if (points.Count > 0)
                {
                    await SendAsync(context, "points", points, ct);
                    lastStep = points[^1].Step;
                }
                var serialized = JsonSerializer.Serialize(status.Checkpoints, DashboardJson.Options);
                if (serialized != lastCheckpoints)
                {
                    await SendRawAsync(context, "checkpoints", serialized, ct);
                    lastCheckpoints = serialized;
                }
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                // A failed poll is shown on the page and the stream goes on: ending it would make the browser reconnect
                // and replay the whole history.
                await SendAsync(context, "problem", new { message = $"{e.GetType().Name}: {e.Message}" }, ct);
            }
        }
        while (await timer.WaitForNextTickAsync(ct));
    }

    public async Task ClusterAsync(HttpContext context)
    {
        var ct = context.RequestAborted;
        Start(context);
        using var timer = new PeriodicTimer(_interval, time);
        do
        {
            try
            {
                IReadOnlyList<JobSummary> jobs = await data.ListJobsAsync(ct);
                await SendAsync(context, "jobs", jobs, ct);
                await SendAsync(context, "workers", await data.ListWorkersAsync(ct), ct);
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                // A failed poll is shown on the page and the stream goes on: ending it would make the browser reconnect
                // and replay the whole history.
                await SendAsync(context, "problem", new { message = $"{e.GetType().Name}: {e.Message}" }, ct);
            }
        }
        while (await timer.WaitForNextTickAsync(ct));
    }

    private static void Start(HttpContext context)
    {
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        // Proxies (nginx) would otherwise buffer the stream.
        context.Response.Headers["X-Accel-Buffering"] = "no";
    }

    private static Task SendAsync<T>(HttpContext context, string name, T value, CancellationToken ct) =>
        SendRawAsync(context, name, JsonSerializer.Serialize(value, DashboardJson.Options), ct);

    private static async Task SendRawAsync(HttpContext context, string name, string json, CancellationToken ct)
    {
        await context.Response.WriteAsync($"event: {name}\ndata: {json}\n\n", ct);
        await context.Response.Body.FlushAsync(ct);
    }
}
