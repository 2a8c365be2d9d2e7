using Distributed.Actors.Membership;

namespace Distributed.Actors.Placement;

/// <summary>Picks the silo a new activation goes to.</summary>
public interface IPlacementDirector
{
    SiloInfo Place(GrainId grainId, Type grainClass, MembershipSnapshot membership);
}
