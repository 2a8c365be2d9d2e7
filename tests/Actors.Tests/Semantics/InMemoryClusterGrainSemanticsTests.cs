using System.Text.Json;
using Distributed.Actors.Hosting;
using Distributed.Actors.State;
using Distributed.Actors.TestHost;
using Distributed.Actors.TestHost.Grains;

namespace Distributed.Actors.Tests.Semantics;

/// <summary>The grain semantics on three silos in this process (in-memory membership, directory and transport), called from a client.</summary>
public sealed class InMemoryClusterGrainSemanticsTests : GrainSemanticsTests, IAsyncLifetime
{
    private readonly InMemoryCluster _cluster = new();

    // One store for all silos, as a real cluster shares its file system or blob container.
    private readonly MemoryGrainStorage _storage = new(new JsonSerializerOptions(JsonSerializerDefaults.Web));
    private readonly List<SiloHost> _silos = [];
    private SiloHost _client = null!;

    protected override IGrainFactory Grains => _client.GrainFactory;

    public async Task InitializeAsync()
    {
        for (var i = 1; i <= 3; i++)
        {
            var silo = SiloBuilder.Create($"s{i}").UseInMemoryCluster(_cluster).AddStorage(PersistentStateAttribute.DefaultStorage, _ => _storage).AddTestGrains().Build();
            await silo.StartAsync();
            _silos.Add(silo);
        }
        _client = SiloBuilder.Create("client").AsClient().UseInMemoryCluster(_cluster).AddTestGrains().Build();
        await _client.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _client.DisposeAsync();
        foreach (var silo in _silos)
        {
            await silo.DisposeAsync();
        }
    }

    [Fact]
    public async Task Concurrent_first_calls_from_all_silos_make_one_activation_per_grain()
    {
        var keys = Enumerable.Range(0, 64).Select(i => $"hammer-{i}").ToArray();

        var results = (await Task.WhenAll(_silos.Select(s => Grains.GetGrain<IProbeGrain>($"{s.Options.Name}/probe").HammerAsync(keys, 5))))
            .SelectMany(r => r).ToList();

        Assert.Equal(keys.Length, results.Select(r => r.ActivationId).Distinct().Count());
        Assert.Equal(keys.Length, _silos.Sum(s => s.Activations.List().Count(a => a.GrainId.Type == "test.hammer")));
    }

    [Fact]
    public async Task A_stopped_silos_grains_reactivate_elsewhere()
    {
        var counter = Grains.GetGrain<IProbeGrain>("s2/probe");
        await counter.IncrementCounterAsync("moving");
        var before = await counter.CounterWhereAsync("moving");
        var host = _silos.Single(s => s.Options.Name == before.SiloName);
        if (host.Options.Name == "s2")
        {
            // The probe would go down with it; ask from another silo.
            counter = Grains.GetGrain<IProbeGrain>("s1/probe");
        }

        await host.StopAsync();
        var after = await counter.CounterWhereAsync("moving");

        Assert.NotEqual(before.SiloName, after.SiloName);
        Assert.Equal(1, after.Value);
    }
}
