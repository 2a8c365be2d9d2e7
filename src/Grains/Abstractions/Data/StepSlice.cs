namespace Distributed.Grains.Data;

/// <summary>The global positions (in the epoch's sample order) one rank trains, or trained, in one step.</summary>
[GenerateSerializer, Immutable, Alias("distributed.step-slice")]
public sealed record StepSlice(
    [property: Id(0)] long Step,
    [property: Id(1)] int Epoch,
    [property: Id(2)] int Rank,
    [property: Id(3)] string WorldId,
    [property: Id(4)] long[] Positions,
    [property: Id(5)] int WorldSize = 0);
