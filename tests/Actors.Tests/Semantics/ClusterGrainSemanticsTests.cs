namespace Distributed.Actors.Tests.Semantics;

/// <summary>The grain semantics against three silo processes in etcd, called from a client over HTTP/2.</summary>
[Collection(ClusterCollection.Name)]
public sealed class ClusterGrainSemanticsTests(ClusterFixture fixture) : GrainSemanticsTests
{
    protected override IGrainFactory Grains => fixture.Cluster.Grains;
}
