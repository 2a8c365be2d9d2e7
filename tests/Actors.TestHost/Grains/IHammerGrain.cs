namespace Distributed.Actors.TestHost.Grains;

/// <summary>Randomly placed, so concurrent first calls from several silos race to activate it in different places.</summary>
[Alias("test.hammer")]
public interface IHammerGrain : IGrainWithStringKey
{
    Task<ActivationStamp> HitAsync();
}
