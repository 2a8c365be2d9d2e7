namespace Distributed.Actors.Runtime;

/// <summary>The activation a call reached is gone (lost the directory race, deactivated); the router resolves again.</summary>
internal sealed class ActivationGoneException(GrainId grainId) : Exception($"The activation of {grainId} is gone; resolve it again.");
