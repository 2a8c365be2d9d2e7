namespace Distributed.Actors.Runtime;

/// <summary>Life of an activation: only a Valid one runs calls.</summary>
public enum ActivationState
{
    Creating,
    Valid,
    Deactivating,
    Deactivated,
}
