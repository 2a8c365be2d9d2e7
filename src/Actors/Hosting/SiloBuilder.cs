using System.Reflection;
using Azure.Storage.Blobs;
using Distributed.Actors.Etcd;
using Distributed.Actors.GrainDirectory;
using Distributed.Actors.Membership;
using Distributed.Actors.Messaging;
using Distributed.Actors.Placement;
using Distributed.Actors.Runtime;
using Distributed.Actors.State;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Serilog;

namespace Distributed.Actors.Hosting;

/// <summary>
/// Configures a silo. Without <see cref="UseEtcdClustering"/> it is embedded: one process, in-memory membership and
/// directory, the same grain code. With it, the silo registers in etcd and serves calls over HTTP/2.
/// </summary>
public sealed class SiloBuilder
{
    private readonly ServiceCollection _services = new();
    private readonly SiloOptions _options = new();
    private readonly GrainTypeRegistry _registry = new();
    private EtcdOptions? _etcd;
    private InMemoryCluster? _inMemoryCluster;
    private Serilog.ILogger? _serilog;
    private TimeProvider _time = TimeProvider.System;

    public static SiloBuilder Create(string name) => new SiloBuilder().Configure(o => o.Name = name);

    public SiloBuilder Configure(Action<SiloOptions> configure)
    {
        configure(_options);
        return this;
    }

    /// <summary>Cluster mode: membership, directory and leases in etcd; calls between silos over HTTP/2.</summary>
    public SiloBuilder UseEtcdClustering(EtcdOptions etcd)
    {
        _etcd = etcd;
        return this;
    }

    /// <summary>Joins an in-process cluster of several silos (tests, single-machine multi-silo experiments).</summary>
    public SiloBuilder UseInMemoryCluster(InMemoryCluster cluster)
    {
        _inMemoryCluster = cluster;
        return this;
    }

    /// <summary>Calls grains but never hosts them.</summary>
    public SiloBuilder AsClient() => Configure(o => o.HostsGrains = false);

    public SiloBuilder AddGrains(Assembly assembly)
    {
        _registry.AddAssembly(assembly);
        return this;
    }

    public SiloBuilder AddGrain<TInterface, TGrain>() where TInterface : IGrain where TGrain : Grain, TInterface
    {
        _registry.Add(typeof(TInterface), typeof(TGrain));
        return this;
    }

    public SiloBuilder AddMemoryStorage(string name = PersistentStateAttribute.DefaultStorage) =>
        AddStorage(name, sp => new MemoryGrainStorage(sp.GetRequiredService<SiloOptions>().Json));

    public SiloBuilder AddFileStorage(string root, string name = PersistentStateAttribute.DefaultStorage) =>
        AddStorage(name, sp => new FileGrainStorage(root, sp.GetRequiredService<SiloOptions>().Json, sp.GetRequiredService<TimeProvider>()));

    public SiloBuilder AddAzureBlobStorage(BlobContainerClient container, string name = PersistentStateAttribute.DefaultStorage) =>
        AddStorage(name, sp => new AzureBlobGrainStorage(container, sp.GetRequiredService<SiloOptions>().Json));

    public SiloBuilder AddStorage(string name, Func<IServiceProvider, IGrainStorage> factory)
    {
        _services.AddKeyedSingleton(name, (sp, _) => factory(sp));
        return this;
    }

    public SiloBuilder AddCallFilter<TFilter>() where TFilter : class, IIncomingGrainCallFilter
    {
        _services.AddSingleton<IIncomingGrainCallFilter, TFilter>();
        return this;
    }

    /// <summary>Logs through Serilog, with the silo's name on every event and grain id / activation id on grain events.</summary>
    public SiloBuilder UseSerilog(Serilog.ILogger logger)
    {
        _serilog = logger;
        return this;
    }

    public SiloBuilder UseTimeProvider(TimeProvider time)
    {
        _time = time;
        return this;
    }

    public SiloBuilder ConfigureServices(Action<IServiceCollection> configure)
    {
        configure(_services);
        return this;
    }

    public SiloHost Build()
    {
        var services = _services;
        services.AddSingleton(_options);
        services.AddSingleton(_registry);
        services.AddSingleton(_time);
        services.AddLogging(logging =>
        {
            // Kestrel's per-request Information events would cost more than the grain calls they describe.
            logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
            if (_serilog is not null)
            {
                logging.AddSerilog(_serilog.ForContext("SiloName", _options.Name), dispose: false);
            }
        });
        services.AddSingleton<IPlacementDirector>(new PlacementDirector(new Random()));
        services.AddSingleton<Catalog>();
        services.AddSingleton<IActivationCatalog>(sp => sp.GetRequiredService<Catalog>());
        services.AddSingleton<CallRouter>();
        services.AddSingleton<IGrainFactory, GrainFactory>();
        services.AddSingleton<SiloRuntime>();
        services.AddSingleton<IIncomingGrainCallFilter, GrainCallMetricsFilter>();
        if (_inMemoryCluster is not null)
        {
            services.AddSingleton(_inMemoryCluster);
            services.AddSingleton(_inMemoryCluster.Membership);
            services.AddSingleton<IMembershipService, InMemoryMembershipService>();
            services.AddSingleton<IGrainDirectory>(_inMemoryCluster.Directory);
            services.AddSingleton<ISiloTransport, InProcessTransport>();
        }
        else if (_etcd is null)
        {
            services.AddSingleton<InMemoryMembershipTable>();
            services.AddSingleton<IMembershipService, InMemoryMembershipService>();
            services.AddSingleton<IGrainDirectory, InMemoryGrainDirectory>();
            services.AddSingleton<ISiloTransport, NoTransport>();
        }
        else
        {
            services.AddSingleton(_etcd);
            services.AddSingleton(sp => new EtcdClient(sp.GetRequiredService<EtcdOptions>()));
            services.AddSingleton<EtcdMembershipService>();
            services.AddSingleton<IMembershipService>(sp => sp.GetRequiredService<EtcdMembershipService>());
            services.AddSingleton<IGrainDirectory, EtcdGrainDirectory>();
            services.AddSingleton<ISiloTransport, HttpSiloTransport>();
            services.AddSingleton<RpcServer>();
        }
        return new SiloHost(services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true }), _etcd is not null);
    }
}
