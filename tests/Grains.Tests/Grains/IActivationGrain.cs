namespace Distributed.Grains.Tests.Grains;

public interface IActivationGrain : IGrainWithIntegerKey
{
    /// <summary>The activation's id, its silo, and how many calls it has served.</summary>
    Task<(string Activation, string Silo, int Calls)> WhoAsync();
}

public sealed class ActivationGrain(ILocalSiloDetails silo) : Grain, IActivationGrain
{
    private int _calls;

    public Task<(string Activation, string Silo, int Calls)> WhoAsync() => Task.FromResult((GrainContext.ActivationId.ToString(), silo.Name, ++_calls));
}
