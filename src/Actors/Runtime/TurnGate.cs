namespace Distributed.Actors.Runtime;

/// <summary>
/// Admits the calls of one activation in arrival order: one exclusive call at a time, or any number of shared
/// (read-only) calls together; interleaving calls bypass it. A waiter whose call was cancelled is skipped.
/// </summary>
public sealed class TurnGate
{
    private readonly object _sync = new();
    private readonly Queue<(TurnKind Kind, TaskCompletionSource Entered)> _waiting = new();
    private int _shared;
    private bool _exclusive;

    /// <summary>True when no call holds or waits for the gate.</summary>
    public bool IsIdle
    {
        get
        {
            lock (_sync)
            {
                return !_exclusive && _shared == 0 && _waiting.Count == 0;
            }
        }
    }

    public Task EnterAsync(TurnKind kind, CancellationToken cancellationToken)
    {
        if (kind == TurnKind.Interleave)
        {
            return Task.CompletedTask;
        }
        TaskCompletionSource entered;
        lock (_sync)
        {
            if (_waiting.Count == 0 && CanEnter(kind))
            {
                Take(kind);
                return Task.CompletedTask;
            }
            entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiting.Enqueue((kind, entered));
        }
        if (cancellationToken.CanBeCanceled)
        {
            var registration = cancellationToken.Register(() => entered.TrySetCanceled(cancellationToken));
            entered.Task.ContinueWith(_ => registration.Dispose(), TaskScheduler.Default);
        }
        return entered.Task;
    }

    public void Exit(TurnKind kind)
    {
        if (kind == TurnKind.Interleave)
        {
            return;
        }
        lock (_sync)
        {
            if (kind == TurnKind.Exclusive)
            {
                _exclusive = false;
            }
            else
            {
                _shared--;
            }
            while (_waiting.TryPeek(out var next) && CanEnter(next.Kind))
            {
                _waiting.Dequeue();
                // Taking the turn first and handing it back if the waiter was cancelled meanwhile keeps the counts exact.
                Take(next.Kind);
                if (!next.Entered.TrySetResult())
                {
                    Untake(next.Kind);
                }
            }
        }
    }

    private bool CanEnter(TurnKind kind) => kind == TurnKind.Exclusive ? !_exclusive && _shared == 0 : !_exclusive;

    private void Take(TurnKind kind)
    {
        if (kind == TurnKind.Exclusive)
        {
            _exclusive = true;
        }
        else
        {
            _shared++;
        }
    }

    private void Untake(TurnKind kind)
    {
        if (kind == TurnKind.Exclusive)
        {
            _exclusive = false;
        }
        else
        {
            _shared--;
        }
    }
}
