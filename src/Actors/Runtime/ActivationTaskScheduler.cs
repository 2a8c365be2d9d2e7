namespace Distributed.Actors.Runtime;

/// <summary>
/// Runs an activation's grain code one piece at a time, in order (on the calling thread when the activation is idle,
/// else on the thread pool). An await inside a grain resumes here (it captures TaskScheduler.Current), so even
/// interleaving calls ([Reentrant], [ReadOnly], [AlwaysInterleave]) never run grain code in parallel, only between
/// each other's awaits, as in Orleans.
/// </summary>
internal sealed class ActivationTaskScheduler : TaskScheduler
{
    // Bounds how long one activation keeps a pool thread before letting other work run.
    private const int BatchSize = 64;

    private readonly object _sync = new();
    private readonly Queue<Task> _queue = new();
    private bool _draining;

    public override int MaximumConcurrencyLevel => 1;

    protected override void QueueTask(Task task)
    {
        lock (_sync)
        {
            _queue.Enqueue(task);
            if (_draining)
            {
                return;
            }
            _draining = true;
        }
        ThreadPool.UnsafeQueueUserWorkItem(static scheduler => scheduler.Drain(), this, preferLocal: true);
    }

    /// <summary>
    /// Starts the task on this scheduler, running it on the calling thread when the activation is idle (saving a
    /// thread-pool hop per call); otherwise it waits behind the work already queued. Never blocks the caller.
    /// </summary>
    public void RunOrQueue(Task task)
    {
        bool runHere;
        lock (_sync)
        {
            runHere = !_draining && _queue.Count == 0;
            if (runHere)
            {
                // Claimed before Start, so QueueTask only enqueues and this thread drains.
                _draining = true;
            }
        }
        task.Start(this);
        if (!runHere)
        {
            return;
        }
        // A caller's synchronization context (a test runner's, a UI's) would capture the grain's awaits and run them
        // off this scheduler, so grain code always runs without one, as on a pool thread.
        var context = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(null);
        try
        {
            Drain();
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(context);
        }
    }

    // Never inline: another thread may be running this activation's code right now.
    protected override bool TryExecuteTaskInline(Task task, bool taskWasPreviouslyQueued) => false;

    protected override IEnumerable<Task> GetScheduledTasks()
    {
        lock (_sync)
        {
            return [.. _queue];
        }
    }

    private void Drain()
    {
        for (var executed = 0; ; executed++)
        {
            Task? task;
            lock (_sync)
            {
                if (!_queue.TryDequeue(out task))
                {
                    _draining = false;
                    return;
                }
                if (executed == BatchSize)
                {
                    _queue.Enqueue(task);
                    ThreadPool.UnsafeQueueUserWorkItem(static scheduler => scheduler.Drain(), this, preferLocal: false);
                    return;
                }
            }
            TryExecuteTask(task);
        }
    }
}
