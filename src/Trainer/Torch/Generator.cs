using Distributed.Trainer.Torch.Interop;
using static Distributed.Trainer.Torch.Interop.NativeMethods;

namespace Distributed.Trainer.Torch;

/// <summary>A seeded random-number generator for one device (tensor creation, dropout).</summary>
public sealed class Generator : IDisposable
{
    internal readonly GeneratorHandle Handle;

    public Generator(long seed, Device? device = null)
    {
        var dev = device ?? Device.Cpu;
        var rc = dst_generator_new((int)dev.Type, dev.Index, seed, out var h);
        if (rc != 0)
        {
            h.Dispose();
            Check.Throw(nameof(Generator));
        }
        Handle = h;
        Device = dev;
    }

    public Device Device { get; }

    public void Seed(long seed) => Check.Ok(dst_generator_set_seed(Handle, seed), nameof(Seed));

    public void Dispose() => Handle.Dispose();
}
