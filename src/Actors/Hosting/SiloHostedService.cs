using Microsoft.Extensions.Hosting;

namespace Distributed.Actors.Hosting;

/// <summary>Runs a <see cref="SiloHost"/> inside a generic host or an ASP.NET Core app (the silo executable, the dashboard).</summary>
public sealed class SiloHostedService(SiloHost silo) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => silo.StartAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => silo.StopAsync(cancellationToken);
}
