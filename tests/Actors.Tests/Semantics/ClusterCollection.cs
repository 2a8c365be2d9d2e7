namespace Distributed.Actors.Tests.Semantics;

/// <summary>Test classes in this collection share one <see cref="ClusterFixture"/>.</summary>
[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}
