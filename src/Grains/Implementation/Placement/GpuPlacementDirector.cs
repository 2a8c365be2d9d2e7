using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Runtime.MembershipService.SiloMetadata;
using Orleans.Runtime.Placement;

namespace Distributed.Grains.Placement;

/// <summary>
/// Places GPU worker k on the live silo whose metadata lists GPU k. No owner (or two) fails the call with
/// <see cref="NoGpuOwnerException"/> instead of landing the worker on a host without that GPU.
/// </summary>
public sealed partial class GpuPlacementDirector(
    ISiloMetadataCache metadata, IOptions<GpuPlacementOptions> options, TimeProvider time, ILogger<GpuPlacementDirector> log) : IPlacementDirector
{
    public async Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var gpu = checked((int)target.GrainIdentity.GetIntegerKey());
        var deadline = time.GetUtcNow() + options.Value.UnknownSiloWait;
        while (true)
        {
            var silos = context.GetCompatibleSilos(target);
            var owners = new List<SiloAddress>();
            var unknown = 0;
            foreach (var silo in silos)
            {
                if (!metadata.GetSiloMetadata(silo).Metadata.TryGetValue(SiloGpus.MetadataKey, out var value)) unknown++;
                else if (SiloGpus.Parse(value).Contains(gpu)) owners.Add(silo);
            }
            if (owners.Count > 1) throw NoGpuOwnerException.Conflict(gpu, owners.Select(s => s.ToString()));
            if (owners.Count == 1)
            {
                LogPlaced(log, gpu, owners[0]);
                return owners[0];
            }
            if (unknown == 0 || time.GetUtcNow() >= deadline) throw NoGpuOwnerException.NoOwner(gpu, silos.Select(s => s.ToString()));
            LogWaiting(log, gpu, unknown);
            await Task.Delay(options.Value.PollInterval, time);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "GPU worker {Gpu} placed on {Silo}")]
    private static partial void LogPlaced(ILogger logger, int gpu, SiloAddress silo);

    [LoggerMessage(Level = LogLevel.Debug, Message = "GPU worker {Gpu}: no known owner yet, waiting for the metadata of {Unknown} silos")]
    private static partial void LogWaiting(ILogger logger, int gpu, int unknown);
}
