using Distributed.Trainer.Torch;

namespace Distributed.Trainer.Nn;

/// <summary>
/// The random initialisation of new parameters, in one place, and the way to skip it when every value is about to
/// be overwritten: a checkpoint restore, a replica broadcast from another rank, a Hugging Face model's weights (as
/// PyTorch's skip_init and transformers' no_init_weights do). It matters: OPT-1.3B's initialisation takes 13 s on a
/// 2-thread worker, all of it wasted when a restarted worker restores a checkpoint before its first step.
/// Skipping leaves the new tensors' memory as allocated, so it is only for code that then writes every parameter and
/// checks that it did (the restore, the weight loaders and the broadcast each cover every parameter or throw).
/// </summary>
public static class ParameterInit
{
    // Thread-static: a model is built on one thread, synchronously, inside the scope.
    [ThreadStatic]
    private static int _skipping;

    /// <summary>Whether parameters built now on this thread are left uninitialised.</summary>
    public static bool Skipping => _skipping > 0;

    /// <summary>Until disposed, parameters built on this thread are left uninitialised. Scopes nest.</summary>
    public static IDisposable Skip()
    {
        _skipping++;
        return new SkipScope();
    }

    /// <summary>Fills <paramref name="tensor"/> uniformly in ±<paramref name="bound"/> (unless skipping) and returns it.</summary>
    public static Tensor Uniform(Tensor tensor, double bound, Generator? generator) => Skipping ? tensor : tensor.Uniform_(-bound, bound, generator);

    /// <summary>Fills <paramref name="tensor"/> from N(0, <paramref name="std"/>²) (unless skipping) and returns it.</summary>
    public static Tensor Normal(Tensor tensor, double std, Generator? generator) => Skipping ? tensor : tensor.Normal_(0, std, generator);

    private sealed class SkipScope : IDisposable
    {
        private bool _disposed;

        public void Dispose()
        {
            if (_disposed) return;
            _disposed = true;
            _skipping--;
        }
    }
}
