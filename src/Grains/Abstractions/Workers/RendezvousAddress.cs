namespace Distributed.Grains.Workers;

/// <summary>A world's c10d TCPStore, served by its rank 0's worker.</summary>
[GenerateSerializer, Immutable, Alias("distributed.rendezvous-address")]
public sealed record RendezvousAddress([property: Id(0)] string Host, [property: Id(1)] int Port);
