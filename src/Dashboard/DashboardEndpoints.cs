using System.Globalization;
using System.Net;
using Distributed.Grains.Jobs;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Distributed.Dashboard;

/// <summary>
/// Registers and maps the training dashboard: pages (<c>/</c>, <c>/jobs/{id}</c>, <c>/workers</c>), the JSON API
/// (<c>/api/jobs</c>, <c>/api/jobs/{id}</c> and its <c>/history</c>, <c>/events</c>, <c>/checkpoints</c>,
/// <c>/evaluations</c>; <c>/api/workers</c>), server-sent events (<c>/api/stream</c>, <c>/api/jobs/{id}/stream</c>) and
/// the actions (POST <c>/api/jobs/{id}/cancel</c>, <c>/resume</c>, <c>/checkpoint</c>).
/// </summary>
public static class DashboardEndpoints
{
    /// <summary>Adds the dashboard's services; the host must also provide an <see cref="IGrainFactory"/> (a silo or an Orleans client).</summary>
    public static IServiceCollection AddTrainingDashboard(this IServiceCollection services, Action<TrainingDashboardOptions> configure)
    {
        services.AddOptions<TrainingDashboardOptions>().Configure(configure).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TrainingDashboardOptions>, TrainingDashboardOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<DashboardData>();
        services.TryAddSingleton<DashboardStreams>();
        return services;
    }

    /// <summary>Puts the token check in front of everything the host serves (call before mapping any endpoint).</summary>
    public static IApplicationBuilder UseTrainingDashboardAuth(this IApplicationBuilder app) => app.UseMiddleware<DashboardAuth>();

    /// <summary>Maps the pages, API, streams and actions at the root. <paramref name="orleansDashboard"/> is linked from the pages.</summary>
    public static IEndpointRouteBuilder MapTrainingDashboard(this IEndpointRouteBuilder routes, string? orleansDashboard = "/orleans")
    {
        routes.MapGet("/healthz", () => Results.Text("ok"));
        routes.MapGet("/", (HttpContext c) => Page(c, "jobs", null, orleansDashboard));
        routes.MapGet("/workers", (HttpContext c) => Page(c, "workers", null, orleansDashboard));
        routes.MapGet("/jobs/{id}", (HttpContext c, string id) =>
            DashboardIds.IsValidJobId(id) ? Page(c, "job", id, orleansDashboard) : BadId(id));
        routes.MapGet("/assets/{name}", (string name) => DashboardAssets.Get(name) is { } asset
            ? Results.Bytes(asset.Content, asset.ContentType)
            : Results.NotFound());

        var api = routes.MapGroup("/api");
        api.MapGet("/jobs", async (DashboardData d, CancellationToken ct) => Json(await d.ListJobsAsync(ct)));
        api.MapGet("/workers", async (DashboardData d, CancellationToken ct) => Json(await d.ListWorkersAsync(ct)));
        api.MapGet("/stream", (HttpContext c, DashboardStreams s) => s.ClusterAsync(c));
        api.MapGet("/jobs/{id}", (string id, DashboardData d, CancellationToken ct) =>
            ForJobAsync(id, d, ct, async () => Json(await d.GetJobAsync(id, ct))));
        api.MapGet("/jobs/{id}/history", (string id, string? from, string? max, DashboardData d, CancellationToken ct) =>
        {
            if (!TryParse(from, 0, out var fromStep) || fromStep < 0) return Task.FromResult(Problem($"from '{from}' is not a step: give a whole number >= 0."));
            if (!TryParse(max, 1000, out var maxPoints) || maxPoints < 1) return Task.FromResult(Problem($"max '{max}' is not a count: give a whole number >= 1."));
            return ForJobAsync(id, d, ct, async () => Json(await d.GetHistoryAsync(id, fromStep, (int)Math.Min(maxPoints, int.MaxValue), ct)));
        });
        api.MapGet("/jobs/{id}/events", (string id, DashboardData d, CancellationToken ct) =>
            ForJobAsync(id, d, ct, async () => Json((await d.GetJobAsync(id, ct)).Events)));
        api.MapGet("/jobs/{id}/evaluations", (string id, DashboardData d, CancellationToken ct) =>
            ForJobAsync(id, d, ct, async () => Json((await d.GetJobAsync(id, ct)).Evaluations)));
        api.MapGet("/jobs/{id}/checkpoints", (string id, DashboardData d, CancellationToken ct) =>
            ForJobAsync(id, d, ct, async () => Json(await d.GetCheckpointsAsync(id, ct))));
        api.MapGet("/jobs/{id}/stream", (HttpContext c, string id, DashboardData d, DashboardStreams s) =>
            ForJobStreamAsync(c, id, d, () => s.JobAsync(c, id)));
        api.MapPost("/jobs/{id}/cancel", (string id, DashboardData d, CancellationToken ct) =>
            ForJobAsync(id, d, ct, async () => Json(await d.CancelAsync(id, ct))));
        api.MapPost("/jobs/{id}/resume", (string id, DashboardData d, CancellationToken ct) =>
            ForJobAsync(id, d, ct, async () => Json(await d.ResumeAsync(id, ct))));
        api.MapPost("/jobs/{id}/checkpoint", (string id, DashboardData d, CancellationToken ct) =>
            ForJobAsync(id, d, ct, async () => Json(await d.CheckpointNowAsync(id, ct))));
        return routes;
    }

    private static async Task<IResult> ForJobAsync(string id, DashboardData data, CancellationToken ct, Func<Task<IResult>> action)
    {
        if (!DashboardIds.IsValidJobId(id)) return BadId(id);
        try
        {
            if (!await data.ExistsAsync(id, ct)) return Results.Problem($"no job '{id}': `distributed job list` shows the jobs.", statusCode: StatusCodes.Status404NotFound);
            return await action();
        }
        catch (TimeoutException e)
        {
            return Results.Problem($"the cluster did not answer: {e.Message}", statusCode: StatusCodes.Status504GatewayTimeout);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or OrleansException)
        {
            // The grain refused (e.g. resume of a running job): its message says why and what to do.
            return Results.Problem(e.Message, statusCode: StatusCodes.Status409Conflict);
        }
    }

    private static async Task ForJobStreamAsync(HttpContext context, string id, DashboardData data, Func<Task> stream)
    {
        var result = await ForJobAsync(id, data, context.RequestAborted, () => Task.FromResult<IResult>(Results.Empty));
        if (result != Results.Empty)
        {
            await result.ExecuteAsync(context);
            return;
        }
        try
        {
            await stream();
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The page went away.
        }
    }

    private static IResult Json<T>(T value) => Results.Json(value, DashboardJson.Options);

    private static IResult Problem(string message) => Results.Problem(message, statusCode: StatusCodes.Status400BadRequest);

    private static IResult BadId(string id) => Problem(
        $"'{Shorten(id)}' is not a job id: ids are 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit.");

    private static string Shorten(string s) => s.Length <= 80 ? s : s[..80] + "...";

    private static bool TryParse(string? text, long fallback, out long value)
    {
        if (string.IsNullOrEmpty(text))
        {
            value = fallback;
            return true;
        }
        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }

    private static IResult Page(HttpContext context, string page, string? jobId, string? orleansDashboard)
    {
        var options = context.RequestServices.GetRequiredService<IOptions<TrainingDashboardOptions>>().Value;
        // The page's script needs the token for the action header; it is only in pages served to a request that
        // proved it knows the token already (a cross-site page cannot read this response).
        var token = options.HasToken && DashboardAuth.IsAuthenticated(context) ? options.Token! : "";
        var html = DashboardAssets.Shell
            .Replace("{{PAGE}}", page, StringComparison.Ordinal)
            .Replace("{{JOB}}", WebUtility.HtmlEncode(jobId ?? ""), StringComparison.Ordinal)
            .Replace("{{TOKEN}}", WebUtility.HtmlEncode(token), StringComparison.Ordinal)
            .Replace("{{ORLEANS}}", WebUtility.HtmlEncode(orleansDashboard ?? ""), StringComparison.Ordinal);
        context.Response.Headers["Content-Security-Policy"] = "default-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'";
        context.Response.Headers["X-Content-Type-Options"] = "nosniff";
        return Results.Content(html, "text/html; charset=utf-8");
    }
}
