namespace Distributed.Actors;

/// <summary>A conditional state write found another version stored than the one it was based on.</summary>
public sealed class InconsistentStateException(GrainId grainId, string stateName, string? expectedEtag, string? storedEtag)
    : Exception($"Write of state '{stateName}' of grain {grainId} lost a race: it expected ETag {expectedEtag ?? "(none: a new record)"} but the store has {storedEtag ?? "(no record)"}. Re-read the state and retry, or deactivate.")
{
    public GrainId GrainId { get; } = grainId;

    public string StateName { get; } = stateName;

    public string? ExpectedEtag { get; } = expectedEtag;

    public string? StoredEtag { get; } = storedEtag;
}
