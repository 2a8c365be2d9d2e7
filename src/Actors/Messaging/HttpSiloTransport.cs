using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Distributed.Actors.Membership;

namespace Distributed.Actors.Messaging;

/// <summary>Silo-to-silo calls over HTTP/2 without TLS (h2c, prior knowledge) with one pooled HttpClient.</summary>
public sealed class HttpSiloTransport : ISiloTransport, IDisposable
{
    private static readonly MediaTypeHeaderValue Json = new("application/json");
    private readonly HttpClient _http = new(new SocketsHttpHandler
    {
        EnableMultipleHttp2Connections = true,
        ConnectTimeout = TimeSpan.FromSeconds(2),
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(2),
    })
    {
        // Deadlines come from the call's token, not from HttpClient.
        Timeout = Timeout.InfiniteTimeSpan,
    };

    public async Task<InvokeResponse> SendAsync(SiloInfo target, InvokeRequest request, CancellationToken cancellationToken)
    {
        using var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(request, ActorsJsonContext.Default.InvokeRequest));
        content.Headers.ContentType = Json;
        using var message = new HttpRequestMessage(HttpMethod.Post, new Uri(new Uri(target.Endpoint), RpcServer.InvokePath))
        {
            Content = content,
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(message, HttpCompletionOption.ResponseContentRead, cancellationToken);
        }
        catch (HttpRequestException ex) when (ex.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError)
        {
            throw new SiloUnavailableException($"Silo {target.Name} ({target.SiloId}) at {target.Endpoint} is unreachable: {ex.Message}", ex);
        }
        using (response)
        {
            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
            if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
            {
                throw new SiloUnavailableException($"Silo {target.Name} at {target.Endpoint} is shutting down.");
            }
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"Silo {target.Name} at {target.Endpoint} rejected {request.GrainType}.{request.Method}: {(int)response.StatusCode} {System.Text.Encoding.UTF8.GetString(body)}");
            }
            return JsonSerializer.Deserialize(body, ActorsJsonContext.Default.InvokeResponse)
                ?? throw new InvalidOperationException($"Silo {target.Name} answered an empty body.");
        }
    }

    public void Dispose() => _http.Dispose();
}
