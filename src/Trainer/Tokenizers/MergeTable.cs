namespace Distributed.Trainer.Tokenizers;

/// <summary>
/// (left id, right id) to (rank, merged id); the rank orders merges, lower first. An open-addressing table with
/// Fibonacci hashing: Dictionary&lt;long, _&gt; hashes a long as high ^ low, which for two small ids collides
/// so often that lookups, the inner loop of BPE, became the bottleneck.
/// </summary>
internal sealed class MergeTable
{
    private const long Empty = -1;
    private long[] _keys = [Empty, Empty];
    private long[] _values = new long[2];
    private int _shift = 63;

    public int Count { get; private set; }

    /// <summary>Adds a merge unless the pair is already there (the first, lowest-ranked one wins, as in HF).</summary>
    public void Add(int left, int right, int rank, int merged)
    {
        if ((Count + 1) * 2 > _keys.Length)
        {
            Grow();
        }
        var key = Key(left, right);
        var i = Slot(key);
        while (_keys[i] != Empty)
        {
            if (_keys[i] == key)
            {
                return;
            }
            i = (i + 1) & (_keys.Length - 1);
        }
        _keys[i] = key;
        _values[i] = ((long)rank << 32) | (uint)merged;
        Count++;
    }

    public bool TryGet(int left, int right, out int rank, out int merged)
    {
        var key = Key(left, right);
        for (var i = Slot(key); ; i = (i + 1) & (_keys.Length - 1))
        {
            var k = _keys[i];
            if (k == Empty)
            {
                rank = 0;
                merged = 0;
                return false;
            }
            if (k == key)
            {
                var v = _values[i];
                rank = (int)(v >> 32);
                merged = (int)(v & 0xFFFFFFFF);
                return true;
            }
        }
    }

    private static long Key(int left, int right) => ((long)left << 32) | (uint)right;

    private int Slot(long key) => (int)(((ulong)key * 0x9E3779B97F4A7C15UL) >> _shift);

    private void Grow()
    {
        var (keys, values) = (_keys, _values);
        _keys = new long[keys.Length * 2];
        Array.Fill(_keys, Empty);
        _values = new long[keys.Length * 2];
        _shift--;
        Count = 0;
        for (var i = 0; i < keys.Length; i++)
        {
            if (keys[i] != Empty)
            {
                Add((int)(keys[i] >> 32), (int)(keys[i] & 0xFFFFFFFF), (int)(values[i] >> 32), (int)(values[i] & 0xFFFFFFFF));
            }
        }
    }
}
