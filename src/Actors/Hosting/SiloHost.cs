using Distributed.Actors.GrainDirectory;
using Distributed.Actors.Membership;
using Distributed.Actors.Messaging;
using Distributed.Actors.Runtime;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Distributed.Actors.Hosting;

/// <summary>A running silo: start it, get grains from <see cref="GrainFactory"/>, watch <see cref="Membership"/>, stop it.</summary>
public sealed partial class SiloHost : IAsyncDisposable
{
    private readonly ServiceProvider _services;
    private readonly bool _clustered;
    private readonly ILogger<SiloHost> _logger;
    private bool _started;

    internal SiloHost(ServiceProvider services, bool clustered)
    {
        _services = services;
        _clustered = clustered;
        _logger = services.GetRequiredService<ILogger<SiloHost>>();
    }

    public IServiceProvider Services => _services;

    public SiloOptions Options => _services.GetRequiredService<SiloOptions>();

    public IGrainFactory GrainFactory => _services.GetRequiredService<IGrainFactory>();

    public IMembershipService Membership => _services.GetRequiredService<IMembershipService>();

    public IGrainDirectory Directory => _services.GetRequiredService<IGrainDirectory>();

    /// <summary>Activations on this silo (the directory lists those of the whole cluster).</summary>
    public IActivationCatalog Activations => _services.GetRequiredService<IActivationCatalog>();

    public SiloInfo Silo => Membership.Local;

    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        var options = Options;
        var endpoint = $"inproc://{options.Name}";
        if (_clustered && options.HostsGrains)
        {
            endpoint = await _services.GetRequiredService<RpcServer>().StartAsync(cancellationToken);
        }
        var time = _services.GetRequiredService<TimeProvider>();
        var silo = new SiloInfo($"{options.Name}-{Guid.NewGuid().ToString("N")[..8]}", options.Name, endpoint, options.HostsGrains, time.GetUtcNow());
        _services.GetService<InMemoryCluster>()?.Attach(silo.SiloId, _services.GetRequiredService<CallRouter>());
        await Membership.JoinAsync(silo, cancellationToken);
        _services.GetRequiredService<Catalog>().Start();
        _started = true;
        LogStarted(silo.Name, silo.SiloId, endpoint, _clustered ? "cluster" : "in-process");
    }

    /// <summary>Deactivates every activation (running OnDeactivateAsync), leaves the cluster, stops serving.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (!_started)
        {
            return;
        }
        _started = false;
        await _services.GetRequiredService<Catalog>().StopAsync();
        await Membership.LeaveAsync(cancellationToken);
        _services.GetService<InMemoryCluster>()?.Detach(Silo.SiloId);
        if (_clustered && Options.HostsGrains)
        {
            await _services.GetRequiredService<RpcServer>().StopAsync(cancellationToken);
        }
        LogStopped(Options.Name);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await _services.DisposeAsync();
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Silo {SiloName} ({SiloId}) started at {Endpoint} in {Mode} mode")]
    private partial void LogStarted(string siloName, string siloId, string endpoint, string mode);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Silo {SiloName} stopped")]
    private partial void LogStopped(string siloName);
}
