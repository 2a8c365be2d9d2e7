using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace Distributed.Bench.Grains;

/// <summary>The reference: a Kestrel minimal API over cleartext HTTP/2 (h2c) and an HttpClient pinned to HTTP/2.</summary>
public sealed class H2cServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private H2cServer(WebApplication app, int port)
    {
        _app = app;
        Client = new HttpClient(new SocketsHttpHandler { EnableMultipleHttp2Connections = false })
        {
            BaseAddress = new Uri($"http://127.0.0.1:{port}"),
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
    }

    public HttpClient Client { get; }

    public static async Task<H2cServer> StartAsync(int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port, l => l.Protocols = HttpProtocols.Http2));
        var app = builder.Build();
        // The same answer size class as the grain call: a small text reply.
        app.MapGet("/ping", () => "pong");
        await app.StartAsync();
        return new H2cServer(app, port);
    }

    public async Task<string> PingAsync()
    {
        using var response = await Client.GetAsync("/ping");
        return await response.Content.ReadAsStringAsync();
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
