namespace Distributed.Trainer.Torch;

/// <summary>
/// Collects every tensor created on this thread while it is the innermost scope, and disposes them with
/// it. Use one per step or micro-batch; results leave through <see cref="MoveToOuter"/> or
/// <see cref="Detach"/>. A scope never spans an await: grain turns hop threads, so disposing on another
/// thread than the one that began it throws.
/// </summary>
public sealed class TensorScope : IDisposable
{
    [ThreadStatic] private static TensorScope? _current;

    private readonly TensorScope? _outer;
    private readonly int _threadId;
    private readonly List<Tensor> _owned = [];
    private bool _disposed;

    private TensorScope()
    {
        _outer = _current;
        _threadId = Environment.CurrentManagedThreadId;
        _current = this;
    }

    public static TensorScope Begin() => new();

    /// <summary>The number of tensors this scope will dispose.</summary>
    public int Count => _owned.Count;

    internal static void Track(Tensor tensor) => _current?._owned.Add(tensor);

    /// <summary>Takes a tensor out of the scope that holds it, if any (long-lived state such as parameters).</summary>
    internal static void Untrack(Tensor tensor)
    {
        for (var s = _current; s is not null; s = s._outer)
        {
            var i = s._owned.LastIndexOf(tensor);
            if (i < 0) continue;
            s._owned.RemoveAt(i);
            return;
        }
    }

    /// <summary>Hands the tensor to the enclosing scope (or to the caller when there is none).</summary>
    public Tensor MoveToOuter(Tensor tensor)
    {
        Detach(tensor);
        _outer?._owned.Add(tensor);
        return tensor;
    }

    /// <summary>Takes the tensor out of every scope: the caller now disposes it.</summary>
    public Tensor Detach(Tensor tensor)
    {
        var i = _owned.LastIndexOf(tensor);
        if (i < 0) throw new InvalidOperationException($"{tensor} does not belong to this scope");
        _owned.RemoveAt(i);
        return tensor;
    }

    public void Dispose()
    {
        if (_disposed) return;
        if (Environment.CurrentManagedThreadId != _threadId)
            throw new InvalidOperationException(
                $"A TensorScope begun on thread {_threadId} is being disposed on thread {Environment.CurrentManagedThreadId}: " +
                "scopes must not span an await. Begin and dispose the scope inside one synchronous block.");
        if (_current != this)
            throw new InvalidOperationException("TensorScopes must be disposed innermost first.");
        _disposed = true;
        _current = _outer;
        for (var i = _owned.Count - 1; i >= 0; i--) _owned[i].Dispose();
        _owned.Clear();
    }
}
