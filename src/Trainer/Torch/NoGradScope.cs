using Distributed.Trainer.Torch.Interop;
using static Distributed.Trainer.Torch.Interop.NativeMethods;

namespace Distributed.Trainer.Torch;

/// <summary>
/// Turns autograd recording off (or on) for this thread until disposed, restoring the previous mode.
/// libtorch's grad mode is thread-local, so like <see cref="TensorScope"/> this must not span an await.
/// </summary>
public readonly struct NoGradScope : IDisposable
{
    private readonly bool _previous;
    private readonly int _threadId;

    private NoGradScope(bool enabled)
    {
        _previous = IsGradEnabled;
        _threadId = Environment.CurrentManagedThreadId;
        Check.Ok(dst_autograd_set_grad_enabled(enabled ? 1 : 0), nameof(NoGradScope));
    }

    public static NoGradScope Begin() => new(false);

    public static NoGradScope EnableGrad() => new(true);

    public static bool IsGradEnabled
    {
        get
        {
            Check.Ok(dst_autograd_is_grad_enabled(out var r), nameof(IsGradEnabled));
            return r != 0;
        }
    }

    public void Dispose()
    {
        if (Environment.CurrentManagedThreadId != _threadId)
            throw new InvalidOperationException("A NoGradScope was disposed on another thread than it began on: it must not span an await.");
        Check.Ok(dst_autograd_set_grad_enabled(_previous ? 1 : 0), nameof(NoGradScope));
    }
}
