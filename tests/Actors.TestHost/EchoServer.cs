using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;

namespace Distributed.Actors.TestHost;

/// <summary>The benchmark's reference: a bare Kestrel HTTP/2 endpoint that echoes a small JSON body, and an HttpClient to call it.</summary>
public sealed class EchoServer : IAsyncDisposable
{
    private readonly WebApplication? _app;
    private readonly HttpClient _http = new();

    private EchoServer(WebApplication? app, Uri endpoint)
    {
        _app = app;
        Endpoint = endpoint;
    }

    public Uri Endpoint { get; }

    /// <summary>A client for an echo server running in another process.</summary>
    public static EchoServer Remote(Uri endpoint) => new(null, endpoint);

    public static async Task<EchoServer> StartAsync()
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Services.AddRoutingCore();
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2));
        var app = builder.Build();
        app.MapPost("/echo", async (HttpContext context) =>
        {
            context.Response.ContentType = "application/json";
            await context.Request.Body.CopyToAsync(context.Response.Body);
        });
        await app.StartAsync();
        var address = app.Urls.First().Replace("[::1]", "127.0.0.1", StringComparison.Ordinal);
        return new EchoServer(app, new Uri(new Uri(address), "/echo"));
    }

    public async Task CallAsync()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Endpoint)
        {
            Content = new StringContent("{\"grainType\":\"bench\",\"key\":\"k\",\"method\":\"HitAsync()\",\"arguments\":[]}", System.Text.Encoding.UTF8, "application/json"),
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        using var response = await _http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        await response.Content.ReadAsByteArrayAsync();
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }
}
