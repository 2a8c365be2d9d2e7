using Orleans.Runtime.MembershipService.SiloMetadata;
using Orleans.Runtime.Placement;

namespace Distributed.Grains.Placement;

/// <summary>
/// Keeps coordination off the GPU hosts: a job grain goes to a random live silo whose metadata lists no GPUs, and
/// only when there is none to a random silo. Losing a GPU host then costs a worker, not also the job's coordinator.
/// </summary>
public sealed class CoordinatorPlacementDirector(ISiloMetadataCache metadata) : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var silos = context.GetCompatibleSilos(target);
        var withoutGpus = silos.Where(s => metadata.GetSiloMetadata(s).Metadata.TryGetValue(SiloGpus.MetadataKey, out var v) && SiloGpus.Parse(v).Count == 0).ToArray();
        var pool = withoutGpus.Length > 0 ? withoutGpus : silos;
        return Task.FromResult(pool[Random.Shared.Next(pool.Length)]);
    }
}
