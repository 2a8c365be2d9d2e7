using Distributed.Actors.GrainDirectory;
using Distributed.Actors.Membership;
using Distributed.Actors.Runtime;
using Microsoft.Extensions.DependencyInjection;

namespace Distributed.Actors.Hosting;

/// <summary>Adds a silo to an application's services: the silo starts and stops with the host.</summary>
public static class SiloServiceCollectionExtensions
{
    /// <summary>
    /// Builds the silo configured by <paramref name="configure"/> and exposes its grain factory, membership, directory and
    /// activation list to the application (a dashboard reads those).
    /// </summary>
    public static IServiceCollection AddSilo(this IServiceCollection services, string name, Action<SiloBuilder> configure)
    {
        var builder = SiloBuilder.Create(name);
        configure(builder);
        var silo = builder.Build();
        services.AddSingleton(silo);
        services.AddSingleton(_ => silo.GrainFactory);
        services.AddSingleton(_ => silo.Membership);
        services.AddSingleton<IGrainDirectory>(_ => silo.Directory);
        services.AddSingleton<IActivationCatalog>(_ => silo.Activations);
        services.AddHostedService(_ => new SiloHostedService(silo));
        return services;
    }
}
