namespace Distributed.Trainer.Data;

/// <summary>
/// The global order of an epoch's samples: a pseudo-random permutation of [0, count) that is a pure function of
/// (count, seed, epoch). It is computed per position in O(1) memory (a 4-round Feistel network over the next
/// even power of two, cycle-walking values outside the range), so no rank ever materializes the whole order.
/// </summary>
public sealed class SampleOrder
{
    private const int Rounds = 4;
    private readonly ulong[] _keys = new ulong[Rounds];
    private readonly int _halfBits;
    private readonly ulong _halfMask;

    public SampleOrder(long count, ulong seed, int epoch)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        Count = count;
        var bits = 2;
        while ((1L << bits) < count)
        {
            bits += 2;
        }
        _halfBits = bits / 2;
        _halfMask = (1UL << _halfBits) - 1;
        for (var r = 0; r < Rounds; r++)
        {
            _keys[r] = SplitMix64.Derive(seed, (ulong)epoch, (ulong)r);
        }
    }

    public long Count { get; }

    /// <summary>The sample index at <paramref name="position"/> of the epoch.</summary>
    public long this[long position]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfNegative(position);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(position, Count);
            var x = (ulong)position;
            do
            {
                x = Permute(x);
            }
            while (x >= (ulong)Count);
            return (long)x;
        }
    }

    private ulong Permute(ulong x)
    {
        var left = x >> _halfBits;
        var right = x & _halfMask;
        foreach (var key in _keys)
        {
            (left, right) = (right, left ^ (SplitMix64.Mix(right ^ key) & _halfMask));
        }
        return (left << _halfBits) | right;
    }
}
