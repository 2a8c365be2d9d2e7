namespace Distributed.Actors.TestHost.Grains;

[RandomPlacement]
public sealed class HammerGrain : Grain, IHammerGrain
{
    private int _hits;

    public Task<ActivationStamp> HitAsync() => Task.FromResult(new ActivationStamp(SiloName, ActivationId, ++_hits));
}
