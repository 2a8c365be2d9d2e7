namespace Distributed.Trainer.Data;

/// <summary>
/// SplitMix64 (Steele, Lea, Flood 2014): a fixed, documented generator, so sample orders and segmentations are
/// the same on every machine and .NET version (System.Random's algorithm is unspecified).
/// </summary>
public struct SplitMix64(ulong seed)
{
    private ulong _state = seed;

    public ulong Next()
    {
        _state += 0x9E3779B97F4A7C15UL;
        return Mix(_state);
    }

    /// <summary>Uniform in [0, bound) without modulo bias (Lemire's multiply-and-reject).</summary>
    public ulong NextBelow(ulong bound)
    {
        ArgumentOutOfRangeException.ThrowIfZero(bound);
        while (true)
        {
            var product = Math.BigMul(Next(), bound, out var low);
            if (low >= (0UL - bound) % bound)
            {
                return product;
            }
        }
    }

    /// <summary>Uniform in [min, max].</summary>
    public int NextInRange(int min, int max) => min + (int)NextBelow((ulong)(max - min + 1));

    public double NextDouble() => (Next() >> 11) * (1.0 / (1UL << 53));

    /// <summary>The SplitMix64 finalizer: a bijective mix of 64 bits.</summary>
    public static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>A seed for one purpose derived from several values (seed, epoch, sample index, ...).</summary>
    public static ulong Derive(ulong seed, params ReadOnlySpan<ulong> values)
    {
        var h = Mix(seed ^ 0x6A09E667F3BCC908UL);
        foreach (var v in values)
        {
            h = Mix(h ^ Mix(v + 0x9E3779B97F4A7C15UL));
        }
        return h;
    }
}
