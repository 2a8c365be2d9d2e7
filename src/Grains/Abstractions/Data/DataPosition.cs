namespace Distributed.Grains.Data;

/// <summary>The trainer's DataCursor on the wire: <paramref name="Consumed"/> samples of <paramref name="Epoch"/> trained, after <paramref name="Step"/> steps.</summary>
[GenerateSerializer, Immutable, Alias("distributed.data-position")]
public sealed record DataPosition(
    [property: Id(0)] string DatasetId,
    [property: Id(1)] ulong Seed,
    [property: Id(2)] int Epoch,
    [property: Id(3)] long Consumed,
    [property: Id(4)] long Step);
