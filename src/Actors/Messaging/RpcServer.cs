using System.Net;
using System.Text.Json;
using Distributed.Actors.Runtime;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Distributed.Actors.Messaging;

/// <summary>
/// The silo's RPC endpoint: Kestrel on loopback speaking HTTP/2 without TLS. Requests that are not JSON, do not parse
/// or exceed <see cref="SiloOptions.MaxRequestBytes"/> get a 4xx and a warning; they never reach a grain.
/// </summary>
public sealed partial class RpcServer(CallRouter router, Catalog catalog, SiloOptions options, ILoggerFactory loggerFactory, ILogger<RpcServer> logger) : IAsyncDisposable
{
    public const string InvokePath = "/rpc/invoke";
    public const string ActivationsPath = "/rpc/activations";

    private WebApplication? _app;

    /// <summary>Starts listening and returns the endpoint other silos call, e.g. http://127.0.0.1:41234.</summary>
    public async Task<string> StartAsync(CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Services.AddSingleton(loggerFactory);
        builder.Services.AddRoutingCore();
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, options.Port, listen => listen.Protocols = HttpProtocols.Http2);
            kestrel.Limits.MaxRequestBodySize = options.MaxRequestBytes;
            kestrel.AddServerHeader = false;
        });
        _app = builder.Build();
        _app.MapPost(InvokePath, InvokeAsync);
        _app.MapGet(ActivationsPath, (HttpContext context) => context.Response.WriteAsJsonAsync(catalog.List().ToList(), ActorsJsonContext.Default.ListActivationInfo));
        await _app.StartAsync(cancellationToken);
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return address.Replace("[::1]", "127.0.0.1", StringComparison.Ordinal);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is not null)
        {
            await _app.StopAsync(cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }

    private async Task InvokeAsync(HttpContext context)
    {
        var remote = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        if (!context.Request.HasJsonContentType())
        {
            await RejectAsync(context, StatusCodes.Status415UnsupportedMediaType, remote, $"content type '{context.Request.ContentType}' is not JSON");
            return;
        }
        InvokeRequest? request;
        try
        {
            request = await JsonSerializer.DeserializeAsync(context.Request.Body, ActorsJsonContext.Default.InvokeRequest, context.RequestAborted);
        }
        catch (JsonException ex)
        {
            await RejectAsync(context, StatusCodes.Status400BadRequest, remote, $"malformed JSON: {ex.Message}");
            return;
        }
        catch (Microsoft.AspNetCore.Http.BadHttpRequestException ex)
        {
            await RejectAsync(context, ex.StatusCode, remote, ex.Message);
            return;
        }
        if (request is null || string.IsNullOrEmpty(request.GrainType) || string.IsNullOrEmpty(request.Key) || string.IsNullOrEmpty(request.Method) || request.Arguments is null)
        {
            await RejectAsync(context, StatusCodes.Status400BadRequest, remote, "grainType, key, method and arguments are required");
            return;
        }
        var response = await router.HandleAsync(request, context.RequestAborted);
        context.Response.ContentType = "application/json";
        await JsonSerializer.SerializeAsync(context.Response.Body, response, ActorsJsonContext.Default.InvokeResponse, context.RequestAborted);
    }

    private async Task RejectAsync(HttpContext context, int status, string remote, string reason)
    {
        LogRejected(status, remote, reason);
        context.Response.StatusCode = status;
        await context.Response.WriteAsync(reason, context.RequestAborted);
    }

    [LoggerMessage(EventId = 600, Level = LogLevel.Warning, Message = "Rejected RPC request from {RemoteAddress} with {StatusCode}: {Reason}")]
    private partial void LogRejected(int statusCode, string remoteAddress, string reason);
}
