namespace Distributed.Actors.TestHost.Grains;

[PinnedPlacement]
public sealed class StateWriterGrain([PersistentState("payload")] IPersistentState<WriterState> state) : Grain, IStateWriterGrain
{
    public async Task<int> WriteManyAsync(int count, int bytes)
    {
        for (var i = 0; i < count; i++)
        {
            state.State.Version++;
            state.State.Payload = new string((char)('a' + (state.State.Version % 26)), bytes);
            await state.WriteStateAsync();
        }
        return state.State.Version;
    }
}
