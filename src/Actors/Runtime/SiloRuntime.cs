using Distributed.Actors.GrainDirectory;
using Distributed.Actors.Membership;
using Microsoft.Extensions.Logging;

namespace Distributed.Actors.Runtime;

/// <summary>The services an activation needs, gathered once per silo.</summary>
public sealed class SiloRuntime(
    SiloOptions options,
    IMembershipService membership,
    IGrainDirectory directory,
    IGrainFactory grainFactory,
    IServiceProvider services,
    IEnumerable<IIncomingGrainCallFilter> filters,
    TimeProvider time,
    ILoggerFactory loggerFactory)
{
    public SiloOptions Options { get; } = options;

    public SiloInfo Silo => membership.Local;

    public IGrainDirectory Directory { get; } = directory;

    public IGrainFactory GrainFactory { get; } = grainFactory;

    public IServiceProvider Services { get; } = services;

    public IIncomingGrainCallFilter[] Filters { get; } = [.. filters];

    public TimeProvider Time { get; } = time;

    public ILoggerFactory LoggerFactory { get; } = loggerFactory;
}
