namespace Distributed.Actors.TestHost.Grains;

public sealed class LifecycleGrain(LifecycleProbe probe) : Grain, ILifecycleGrain
{
    private int _ticks;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        probe.OnActivated();
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        probe.OnDeactivated(GetPrimaryKeyString(), reason);
        return Task.CompletedTask;
    }

    public Task<string> PingAsync() => Task.FromResult(ActivationId);

    public Task StartTimerAsync(TimeSpan period)
    {
        RegisterTimer(_ =>
        {
            _ticks++;
            probe.OnTick();
            return Task.CompletedTask;
        }, period, period);
        return Task.CompletedTask;
    }

    public Task<int> TicksAsync() => Task.FromResult(_ticks);
}
