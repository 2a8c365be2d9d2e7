using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Distributed.Actors.Etcd;

/// <summary>
/// The few etcd v3 calls the runtime needs, over etcd's JSON HTTP gateway: no gRPC package is available here, and the
/// gateway carries the same API (keys and values base64, int64 as strings).
/// </summary>
public sealed class EtcdClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly HttpClient _streaming;

    public EtcdClient(EtcdOptions options)
    {
        _http = new HttpClient { BaseAddress = options.Endpoint, Timeout = options.RequestTimeout };
        _streaming = new HttpClient { BaseAddress = options.Endpoint, Timeout = Timeout.InfiniteTimeSpan };
    }

    public static byte[] Key(string key) => Encoding.UTF8.GetBytes(key);

    /// <summary>The range end that selects every key starting with <paramref name="prefix"/>.</summary>
    public static byte[] PrefixEnd(string prefix)
    {
        var end = Key(prefix);
        end[^1]++;
        return end;
    }

    public async Task<long> GrantLeaseAsync(TimeSpan ttl, CancellationToken cancellationToken)
    {
        var seconds = Math.Max(1, (long)Math.Ceiling(ttl.TotalSeconds));
        var response = await PostAsync("/v3/lease/grant", new EtcdLeaseRequest(Ttl: seconds), EtcdJsonContext.Default.EtcdLeaseRequest, EtcdJsonContext.Default.EtcdLeaseResponse, cancellationToken);
        return response.Id;
    }

    /// <summary>Renews the lease once; false when etcd no longer knows it (it expired).</summary>
    public async Task<bool> KeepAliveAsync(long leaseId, CancellationToken cancellationToken)
    {
        var response = await PostAsync("/v3/lease/keepalive", new EtcdLeaseRequest(Id: leaseId), EtcdJsonContext.Default.EtcdLeaseRequest, EtcdJsonContext.Default.EtcdKeepAliveResponse, cancellationToken);
        return response.Result is { Ttl: > 0 };
    }

    public Task RevokeLeaseAsync(long leaseId, CancellationToken cancellationToken) =>
        PostAsync("/v3/lease/revoke", new EtcdLeaseRequest(Id: leaseId), EtcdJsonContext.Default.EtcdLeaseRequest, EtcdJsonContext.Default.EtcdLeaseResponse, cancellationToken);

    // The put answer carries only a header, which the range answer's type reads as well.
    public Task PutAsync(string key, byte[] value, long leaseId, CancellationToken cancellationToken) =>
        PostAsync("/v3/kv/put", new EtcdPutRequest(Key(key), value, leaseId), EtcdJsonContext.Default.EtcdPutRequest, EtcdJsonContext.Default.EtcdRangeResponse, cancellationToken);

    /// <summary>Every key under <paramref name="prefix"/> with the store revision the read saw.</summary>
    public async Task<(long Revision, IReadOnlyList<(string Key, byte[] Value)> Items)> RangePrefixAsync(string prefix, CancellationToken cancellationToken)
    {
        var response = await PostAsync("/v3/kv/range", new EtcdRangeRequest(Key(prefix), PrefixEnd(prefix)), EtcdJsonContext.Default.EtcdRangeRequest, EtcdJsonContext.Default.EtcdRangeResponse, cancellationToken);
        var items = (response.Kvs ?? []).Select(kv => (Encoding.UTF8.GetString(kv.Key), kv.Value ?? [])).ToList();
        return (response.Header?.Revision ?? 0, items);
    }

    public async Task<byte[]?> GetAsync(string key, CancellationToken cancellationToken)
    {
        var response = await PostAsync("/v3/kv/range", new EtcdRangeRequest(Key(key)), EtcdJsonContext.Default.EtcdRangeRequest, EtcdJsonContext.Default.EtcdRangeResponse, cancellationToken);
        return response.Kvs is [var kv, ..] ? kv.Value ?? [] : null;
    }

    /// <summary>
    /// Creates the key bound to the lease only if it does not exist (compare create_revision == 0), in one txn;
    /// returns the value that is stored afterwards, which is <paramref name="value"/> only when this call created it.
    /// </summary>
    public async Task<(bool Created, byte[] Stored)> CreateIfAbsentAsync(string key, byte[] value, long leaseId, CancellationToken cancellationToken)
    {
        var k = Key(key);
        var txn = new EtcdTxnRequest(
            [new EtcdCompare(k, "CREATE", CreateRevision: 0)],
            [new EtcdRequestOp(RequestPut: new EtcdPutRequest(k, value, leaseId))],
            [new EtcdRequestOp(RequestRange: new EtcdRangeRequest(k))]);
        var response = await PostAsync("/v3/kv/txn", txn, EtcdJsonContext.Default.EtcdTxnRequest, EtcdJsonContext.Default.EtcdTxnResponse, cancellationToken);
        if (response.Succeeded)
        {
            return (true, value);
        }
        var existing = response.Responses?.FirstOrDefault()?.ResponseRange?.Kvs?.FirstOrDefault()?.Value;
        if (existing is null)
        {
            // The other entry vanished between compare and range (its lease expired): the caller retries.
            throw new EtcdException($"etcd create-if-absent of '{key}' lost to an entry that is already gone; retry.");
        }
        return (false, existing);
    }

    /// <summary>Deletes the key only if it still holds <paramref name="value"/>.</summary>
    public Task DeleteIfValueAsync(string key, byte[] value, CancellationToken cancellationToken)
    {
        var k = Key(key);
        var txn = new EtcdTxnRequest(
            [new EtcdCompare(k, "VALUE", Value: value)],
            [new EtcdRequestOp(RequestDeleteRange: new EtcdDeleteRangeRequest(k))],
            []);
        return PostAsync("/v3/kv/txn", txn, EtcdJsonContext.Default.EtcdTxnRequest, EtcdJsonContext.Default.EtcdTxnResponse, cancellationToken);
    }

    /// <summary>Yields the revision of every change under <paramref name="prefix"/> after <paramref name="startRevision"/>; ends when the stream breaks.</summary>
    public async IAsyncEnumerable<long> WatchPrefixAsync(string prefix, long startRevision, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(new EtcdWatchRequest(new EtcdWatchCreateRequest(Key(prefix), PrefixEnd(prefix), startRevision)), EtcdJsonContext.Default.EtcdWatchRequest);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v3/watch") { Content = new ByteArrayContent(body) };
        using var response = await _streaming.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        response.EnsureSuccessStatusCode();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken));
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Length == 0)
            {
                continue;
            }
            var result = JsonSerializer.Deserialize(line, EtcdJsonContext.Default.EtcdWatchResponse)?.Result;
            if (result is null || result.Canceled)
            {
                yield break;
            }
            if (result.Events is { Count: > 0 })
            {
                yield return result.Header?.Revision ?? 0;
            }
        }
    }

    public void Dispose()
    {
        _http.Dispose();
        _streaming.Dispose();
    }

    private async Task<TResponse> PostAsync<TRequest, TResponse>(string path, TRequest body, JsonTypeInfo<TRequest> requestType, JsonTypeInfo<TResponse> responseType, CancellationToken cancellationToken)
    {
        using var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(body, requestType));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await _http.PostAsync(path, content, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new EtcdException($"etcd {path} answered {(int)response.StatusCode}: {text}");
        }
        return JsonSerializer.Deserialize(text, responseType) ?? throw new EtcdException($"etcd {path} answered an empty body.");
    }
}
