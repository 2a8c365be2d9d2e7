using Distributed.Actors.Hosting;
using Distributed.Actors.TestHost;

namespace Distributed.Actors.Tests.Semantics;

/// <summary>The grain semantics in embedded mode: one in-process silo, in-memory membership, directory and state.</summary>
public sealed class EmbeddedGrainSemanticsTests : GrainSemanticsTests, IAsyncLifetime
{
    private readonly SiloHost _silo = SiloBuilder.Create("embedded").AddMemoryStorage().AddTestGrains().Build();

    protected override IGrainFactory Grains => _silo.GrainFactory;

    public Task InitializeAsync() => _silo.StartAsync();

    public async Task DisposeAsync() => await _silo.DisposeAsync();
}
