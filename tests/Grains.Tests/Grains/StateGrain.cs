using Distributed.Grains.Storage;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;

namespace Distributed.Grains.Tests.Grains;

public sealed class StateGrain([PersistentState("counter", GrainStorageNames.State)] IPersistentState<CounterRecord> state) : Grain, IStateGrain
{
    public const string StateName = "counter";

    public async Task<(int Value, string? ETag)> WriteAsync(int value)
    {
        state.State.Value = value;
        await state.WriteStateAsync();
        return (state.State.Value, state.Etag);
    }

    public Task<(int Value, string? ETag)> ReadAsync() => Task.FromResult((state.State.Value, state.Etag));

    public async Task OverwriteBehindTheGrainsBackAsync(int value)
    {
        var storage = ServiceProvider.GetRequiredKeyedService<IGrainStorage>(GrainStorageNames.State);
        var other = new GrainState<CounterRecord>(new CounterRecord());
        await storage.ReadStateAsync(StateName, this.GetGrainId(), other);
        other.State = new CounterRecord { Value = value };
        await storage.WriteStateAsync(StateName, this.GetGrainId(), other);
    }

    public Task DeactivateAsync()
    {
        DeactivateOnIdle();
        return Task.CompletedTask;
    }
}
