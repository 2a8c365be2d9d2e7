using System.Net;
using System.Net.Sockets;
using Distributed.Dashboard.Tests.Fakes;
using Distributed.Grains.Jobs;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Distributed.Dashboard.Tests;

/// <summary>
/// One process-local cluster for a test: an Orleans silo (localhost clustering on free ports) hosting the grain
/// doubles, and Kestrel serving the training dashboard the way the embedded process does (auth middleware first).
/// </summary>
public sealed class DashboardServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private DashboardServer(WebApplication app, FakeWorkers workers, Uri url)
    {
        _app = app;
        Workers = workers;
        Url = url;
    }

    public Uri Url { get; }

    public FakeWorkers Workers { get; }

    public IGrainFactory Grains => _app.Services.GetRequiredService<IGrainFactory>();

    /// <summary>Starts the silo and the dashboard bound to <paramref name="bind"/> (port 0: a free one).</summary>
    public static async Task<DashboardServer> StartAsync(string bind = "127.0.0.1", string? token = null, int gpus = 2)
    {
        var app = Build(bind, token, gpus);
        await app.StartAsync();
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        // Kestrel reports the bound address (0.0.0.0 for all interfaces); this machine reaches it on loopback.
        return new DashboardServer(app, app.Services.GetRequiredService<FakeWorkers>(), new Uri($"http://127.0.0.1:{address.Port}/"));
    }

    public static WebApplication Build(string bind, string? token, int gpus)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory, Args = [] });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Parse(bind), 0));
        builder.Services.AddSingleton(new FakeWorkers(gpus));
        builder.Services.AddTrainingDashboard(o =>
        {
            o.BindAddress = bind;
            o.Token = token;
            o.PollInterval = TimeSpan.FromMilliseconds(200);
        });
        builder.UseOrleans(silo => silo.UseLocalhostClustering(FreePort(), FreePort(), serviceId: "dashboard-tests", clusterId: $"dashboard-tests-{Guid.NewGuid():N}"));
        var app = builder.Build();
        app.UseTrainingDashboardAuth();
        app.MapTrainingDashboard(orleansDashboard: null);
        return app;
    }

    /// <summary>Submits a simulated job: <paramref name="steps"/> steps, one every <paramref name="stepMs"/> ms.</summary>
    public Task<JobStatus> SubmitAsync(string id, int steps = 100_000, int stepMs = 100, int minWorkers = 1, int maxWorkers = 2) =>
        Grains.GetGrain<IJobGrain>(id).SubmitAsync(new JobSpec($$"""{"steps": {{steps}}, "stepMs": {{stepMs}}}""", minWorkers, maxWorkers,
            new CheckpointPolicy(), "/tmp/fake-checkpoints", $"test job {id}"));

    public Task<JobStatus> StatusAsync(string id) => Grains.GetGrain<IJobGrain>(id).GetStatusAsync();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    // TestSupport's port rule, compiled in from its source (this project must not see the real grains TestSupport brings).
    private static int FreePort() => Distributed.TestSupport.Ports.Free();
}
