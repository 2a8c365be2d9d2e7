using Distributed.Actors.Hosting;
using Distributed.Actors.Membership;
using Distributed.Actors.TestHost;
using Distributed.Actors.TestHost.Grains;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Distributed.Actors.Tests.Runtime;

/// <summary>A silo inside a generic host, as the silo executable and the dashboard run it.</summary>
public sealed class HostingTests
{
    [Fact]
    public async Task A_silo_added_to_a_generic_host_starts_and_stops_with_it()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddSilo("hosted", silo => silo.AddMemoryStorage().AddTestGrains());
        using var host = builder.Build();

        await host.StartAsync();
        var grains = host.Services.GetRequiredService<IGrainFactory>();
        Assert.Equal(1, await grains.GetGrain<ICounterGrain>("h").IncrementAsync());
        Assert.Equal("hosted", Assert.Single(host.Services.GetRequiredService<IMembershipService>().Current.Silos).Name);
        await host.StopAsync();

        Assert.Empty(host.Services.GetRequiredService<SiloHost>().Activations.List());
    }
}
