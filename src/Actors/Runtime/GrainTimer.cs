namespace Distributed.Actors.Runtime;

/// <summary>A grain timer: each tick runs as a turn of its activation, and the next is armed only after it finished.</summary>
internal sealed class GrainTimer : IDisposable
{
    private readonly ActivationData _activation;
    private readonly Func<CancellationToken, Task> _callback;
    private readonly TimeSpan _period;
    private readonly ITimer _timer;
    private volatile bool _disposed;

    public GrainTimer(ActivationData activation, Func<CancellationToken, Task> callback, TimeSpan dueTime, TimeSpan period, TimeProvider time)
    {
        _activation = activation;
        _callback = callback;
        _period = period;
        _timer = time.CreateTimer(_ => _ = TickAsync(), null, dueTime, Timeout.InfiniteTimeSpan);
    }

    public void Dispose()
    {
        _disposed = true;
        _timer.Dispose();
        _activation.RemoveTimer(this);
    }

    private async Task TickAsync()
    {
        if (_disposed)
        {
            return;
        }
        await _activation.RunTimerTickAsync(_callback);
        if (!_disposed && _period != Timeout.InfiniteTimeSpan)
        {
            _timer.Change(_period, Timeout.InfiniteTimeSpan);
        }
    }
}
