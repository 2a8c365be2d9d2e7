using Distributed.Grains.Storage;
using Microsoft.Extensions.Logging;

namespace Distributed.Grains.Diagnostics;

public sealed partial class ProbeGrain(
    [PersistentState("probe", GrainStorageNames.State)] IPersistentState<ProbeState> state, ILocalSiloDetails silo, ILogger<ProbeGrain> log)
    : Grain, IProbeGrain
{
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        LogActivated(log, this.GetPrimaryKeyString(), state.State.Count, state.Etag, GrainContext.ActivationId.ToString());
        return Task.CompletedTask;
    }

    public async Task<ProbeReply> IncrementAsync()
    {
        state.State.Count++;
        state.State.WrittenBy = silo.Name;
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            // The write may or may not have reached storage: drop this activation so the next call re-reads the
            // truth instead of serving a count that storage does not have.
            state.State.Count--;
            DeactivateOnIdle();
            throw;
        }
        return Reply();
    }

    public Task<ProbeReply> ReadAsync() => Task.FromResult(Reply());

    private ProbeReply Reply() => new(state.State.Count, state.Etag, silo.Name, Environment.ProcessId, GrainContext.ActivationId.ToString());

    [LoggerMessage(Level = LogLevel.Information, Message = "Probe {Key} activated with count {Count} (ETag {ETag}, activation {ActivationId})")]
    private static partial void LogActivated(ILogger logger, string key, long count, string? eTag, string activationId);
}
