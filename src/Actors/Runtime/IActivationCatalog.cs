namespace Distributed.Actors.Runtime;

/// <summary>The activations this silo hosts.</summary>
public interface IActivationCatalog
{
    IReadOnlyList<ActivationInfo> List();
}
