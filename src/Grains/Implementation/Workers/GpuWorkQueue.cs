using System.Collections.Concurrent;

namespace Distributed.Grains.Workers;

/// <summary>
/// One dedicated thread that runs work items in order: the only thread that touches a GPU's replica (its CUDA
/// context, weights and optimizer are bound to it). Grains hand work over with <see cref="RunAsync{T}"/> and
/// await the result, so long GPU work never holds an Orleans scheduler thread and tensor scopes live entirely on
/// this thread (a scope never spans an await).
/// </summary>
public sealed class GpuWorkQueue : IDisposable
{
    private readonly BlockingCollection<Action> _work = [];
    private readonly Thread _thread;
    private readonly TaskCompletionSource<int> _threadId = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public GpuWorkQueue(string name)
    {
        Name = name;
        _thread = new Thread(Loop) { Name = name, IsBackground = true };
        _thread.Start();
        ThreadId = _threadId.Task.GetAwaiter().GetResult();
    }

    public string Name { get; }

    /// <summary>The managed thread id of the dedicated thread.</summary>
    public int ThreadId { get; }

    /// <summary>Whether the caller is on this queue's thread.</summary>
    public bool IsCurrentThread => Environment.CurrentManagedThreadId == ThreadId;

    /// <summary>Runs <paramref name="work"/> on the dedicated thread after everything queued before it.</summary>
    /// <remarks>The returned task completes off that thread (continuations never run on the GPU thread). A token
    /// cancelled before the item starts skips it; an item that has started runs to its end.</remarks>
    public Task<T> RunAsync<T>(Func<T> work, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(work);
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        void Run()
        {
            if (cancellationToken.IsCancellationRequested)
            {
                done.TrySetCanceled(cancellationToken);
                return;
            }
            try
            {
                done.TrySetResult(work());
            }
            catch (Exception e)
            {
                done.TrySetException(e);
            }
        }
        try
        {
            _work.Add(Run, CancellationToken.None);
        }
        catch (InvalidOperationException)
        {
            throw new ObjectDisposedException(Name, $"The GPU work queue {Name} is shut down: its silo is stopping.");
        }
        return done.Task;
    }

    /// <summary>Runs an action on the dedicated thread.</summary>
    public Task RunAsync(Action work, CancellationToken cancellationToken = default) => RunAsync(() =>
    {
        work();
        return true;
    }, cancellationToken);

    /// <summary>Finishes the queued work, then ends the thread.</summary>
    public void Dispose()
    {
        _work.CompleteAdding();
        if (!IsCurrentThread) _thread.Join();
        _work.Dispose();
    }

    private void Loop()
    {
        _threadId.SetResult(Environment.CurrentManagedThreadId);
        foreach (var item in _work.GetConsumingEnumerable()) item();
    }
}
