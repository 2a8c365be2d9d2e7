using Distributed.Actors.Hosting;
using Distributed.Actors.Runtime;
using Distributed.Actors.TestHost.Grains;

namespace Distributed.Actors.Tests.Runtime;

/// <summary>Grain contracts are checked when registered, not at the first call.</summary>
public sealed class GrainTypeRegistryTests
{
    public interface IRefGrain : IGrainWithStringKey
    {
        Task ChangeAsync(ref int value);
    }

    public sealed class RefGrain : Grain, IRefGrain
    {
        public Task ChangeAsync(ref int value) => Task.CompletedTask;
    }

    public interface ISyncGrain : IGrainWithStringKey
    {
        int Now();
    }

    public sealed class SyncGrain : Grain, ISyncGrain
    {
        public int Now() => 0;
    }

    [Fact]
    public void Ref_parameters_and_non_task_results_are_rejected()
    {
        var registry = new GrainTypeRegistry();

        Assert.Contains("ref/out", Assert.Throws<ArgumentException>(() => registry.Add(typeof(IRefGrain), typeof(RefGrain))).Message, StringComparison.Ordinal);
        Assert.Contains("returns Int32", Assert.Throws<ArgumentException>(() => registry.Add(typeof(ISyncGrain), typeof(SyncGrain))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Aliases_name_grain_types_and_unregistered_interfaces_fail_clearly()
    {
        var registry = new GrainTypeRegistry();
        registry.AddAssembly(typeof(CounterGrain).Assembly);

        Assert.Equal("test.counter", registry.Get(typeof(ICounterGrain)).Name);
        Assert.Contains("AddGrains", Assert.Throws<ArgumentException>(() => registry.Get(typeof(IRefGrain))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetGrain_of_an_unregistered_interface_names_the_fix()
    {
        await using var silo = SiloBuilder.Create("empty").Build();

        var error = Assert.Throws<ArgumentException>(() => silo.GrainFactory.GetGrain<ICounterGrain>("x"));

        Assert.Contains("SiloBuilder.AddGrains", error.Message, StringComparison.Ordinal);
    }
}
