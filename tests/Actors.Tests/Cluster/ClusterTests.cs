using System.Net;
using System.Net.Http.Json;
using System.Text;
using Distributed.Actors.Messaging;
using Distributed.Actors.Runtime;
using Distributed.Actors.TestHost.Grains;
using Distributed.Actors.Tests.Semantics;

namespace Distributed.Actors.Tests.Cluster;

/// <summary>Three silo processes on loopback: one activation per grain, placement, and a hardened RPC endpoint.</summary>
[Collection(ClusterCollection.Name)]
public sealed class ClusterTests(ClusterFixture fixture)
{
    private Infrastructure.TestCluster Cluster => fixture.Cluster;

    [Fact]
    public async Task Calls_from_every_silo_reach_the_one_activation()
    {
        var key = Guid.NewGuid().ToString("N");
        var probes = Cluster.Silos.Select(s => Cluster.Grains.GetGrain<IProbeGrain>($"{s.Name}/probe")).ToList();

        var values = new List<int>();
        foreach (var probe in probes)
        {
            values.Add(await probe.IncrementCounterAsync(key));
        }
        var stamps = await Task.WhenAll(probes.Select(p => p.CounterWhereAsync(key)));

        Assert.Equal([1, 2, 3], values);
        Assert.Single(stamps.Select(s => s.ActivationId).Distinct());
        Assert.Equal(3, stamps[0].Value);
    }

    [Fact]
    public async Task Pinned_grains_activate_on_their_silo()
    {
        foreach (var silo in Cluster.Silos)
        {
            var stamp = await Cluster.Grains.GetGrain<IProbeGrain>($"{silo.Name}/probe").WhereAsync();
            Assert.Equal(silo.Name, stamp.SiloName);
        }
        await Assert.ThrowsAsync<PlacementException>(() => Cluster.Grains.GetGrain<IProbeGrain>("nosuchsilo/probe").WhereAsync());
    }

    [Fact]
    public async Task Concurrent_first_calls_from_all_silos_make_one_activation_per_grain()
    {
        var keys = Enumerable.Range(0, 48).Select(i => $"hammer-{Guid.NewGuid():N}").ToArray();
        var probes = Cluster.Silos.Select(s => Cluster.Grains.GetGrain<IProbeGrain>($"{s.Name}/probe")).ToList();
        await Task.WhenAll(probes.Select(p => p.WhereAsync()));

        var results = (await Task.WhenAll(probes.Select(p => p.HammerAsync(keys, 5)))).SelectMany(r => r).ToList();

        Assert.Equal(keys.Length * 5 * probes.Count, results.Count);
        var perGrain = results.GroupBy(r => r.ActivationId).ToList();
        Assert.True(keys.Length == perGrain.Count, $"{perGrain.Count} activations for {keys.Length} grains: {string.Join("; ", perGrain.Select(g => $"{g.Key[..6]}@{g.First().SiloName} x{g.Count()}"))}\n{string.Join("\n", Cluster.Silos.Select(s => s.OutputText))}");
        Assert.All(perGrain, g => Assert.Equal(Enumerable.Range(1, 15), g.Select(s => s.Value).Order()));
        // Random placement spread the grains, so the race was real: more than one silo won some.
        Assert.True(results.Select(r => r.SiloName).Distinct().Count() > 1, "every grain landed on one silo; the race was not exercised");

        var listed = new List<ActivationInfo>();
        using var http = H2Client();
        foreach (var silo in Cluster.Silos)
        {
            listed.AddRange(await http.GetFromJsonAsync<List<ActivationInfo>>(new Uri(new Uri(silo.Endpoint), "/rpc/activations")) ?? []);
        }
        foreach (var key in keys)
        {
            Assert.Single(listed, a => a.GrainId.Key == key);
        }
    }

    [Fact]
    public async Task An_exception_that_cannot_be_recreated_arrives_as_RemoteGrainException_with_type_and_message()
    {
        var error = await Assert.ThrowsAsync<RemoteGrainException>(() => Cluster.Grains.GetGrain<IFaultyGrain>(99).ThrowOpaqueAsync(17));

        Assert.StartsWith(typeof(OpaqueException).FullName!, error.ExceptionType, StringComparison.Ordinal);
        Assert.Contains("opaque failure 17", error.Message, StringComparison.Ordinal);
        Assert.Contains(nameof(FaultyGrain.ThrowOpaqueAsync), error.RemoteStackTrace, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Membership_lists_the_silos_and_streams_updates()
    {
        var snapshot = Cluster.Client.Membership.Current;

        Assert.Equal(["s1", "s2", "s3"], snapshot.Silos.Where(s => s.HostsGrains).Select(s => s.Name).Order());
        Assert.Contains(snapshot.Silos, s => s.Name == "client" && !s.HostsGrains);
        await using var enumerator = Cluster.Client.Membership.WatchAsync(CancellationToken.None).GetAsyncEnumerator();
        Assert.True(await enumerator.MoveNextAsync());
        Assert.True(enumerator.Current.Version >= snapshot.Version);
    }

    [Fact]
    public async Task Malformed_or_oversized_requests_get_4xx_and_the_silo_keeps_serving()
    {
        var silo = Cluster.Silos[0];
        var endpoint = new Uri(new Uri(silo.Endpoint), "/rpc/invoke");
        using var http = H2Client();

        Assert.Equal(HttpStatusCode.BadRequest, await PostAsync(http, endpoint, "{not json", "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, await PostAsync(http, endpoint, "{}", "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, await PostAsync(http, endpoint, "[1,2,3]", "application/json"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, await PostAsync(http, endpoint, "hello", "text/plain"));
        var huge = "{\"grainType\":\"test.counter\",\"key\":\"" + new string('x', 2 << 20) + "\"}";
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, await PostAsync(http, endpoint, huge, "application/json"));

        var stamp = await Cluster.Grains.GetGrain<IProbeGrain>($"{silo.Name}/probe").WhereAsync();
        Assert.Equal(silo.Name, stamp.SiloName);
        Assert.Contains("Rejected RPC request", silo.OutputText, StringComparison.Ordinal);
    }

    private static HttpClient H2Client() => new()
    {
        DefaultRequestVersion = HttpVersion.Version20,
        DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
    };

    private static async Task<HttpStatusCode> PostAsync(HttpClient http, Uri endpoint, string body, string contentType)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint)
        {
            Content = new StringContent(body, Encoding.UTF8, contentType),
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        using var response = await http.SendAsync(request);
        return response.StatusCode;
    }
}
