using Distributed.Actors.Hosting;
using Distributed.Actors.TestHost.Grains;
using Microsoft.Extensions.DependencyInjection;

namespace Distributed.Actors.TestHost;

/// <summary>The test grains and their services on a silo builder; shared by this host, the tests and the benchmark.</summary>
public static class TestSilo
{
    public static SiloBuilder AddTestGrains(this SiloBuilder builder) =>
        builder.AddGrains(typeof(CounterGrain).Assembly)
            .ConfigureServices(services => services.AddSingleton<LifecycleProbe>());
}
