using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Distributed.Bench.Grains;

/// <summary>The reference: a Kestrel minimal API over cleartext HTTP/2 (h2c) in a process of its own (this program
/// with the argument <c>serve-h2c PORT</c>), so it crosses a process boundary as a grain call does, and an HttpClient
/// pinned to HTTP/2.</summary>
public sealed class H2cServer : IAsyncDisposable
{
    private readonly Distributed.TestSupport.ExternalProcess _server;

    private H2cServer(Distributed.TestSupport.ExternalProcess server, int port)
    {
        _server = server;
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
        var self = typeof(H2cServer).Assembly.Location;
        var server = Distributed.TestSupport.ExternalProcess.Start("h2c server", "dotnet", [self, "serve-h2c", port.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await server.WaitForLineAsync("h2c listening", TimeSpan.FromSeconds(30));
        return new H2cServer(server, port);
    }

    /// <summary>The server side, run in its own process until killed.</summary>
    public static async Task ServeAsync(int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port, l => l.Protocols = HttpProtocols.Http2));
        var app = builder.Build();
        // The same answer size class as the grain call: a small text reply.
        app.MapGet("/ping", () => "pong");
        await app.StartAsync();
        Console.WriteLine("h2c listening");
        await app.WaitForShutdownAsync();
    }

    public async Task<string> PingAsync()
    {
        using var response = await Client.GetAsync("/ping");
        return await response.Content.ReadAsStringAsync();
    }

    public ValueTask DisposeAsync()
    {
        Client.Dispose();
        _server.Dispose();
        return ValueTask.CompletedTask;
    }
}
