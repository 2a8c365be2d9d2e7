namespace Distributed.Trainer.Tokenizers;

/// <summary>(left id, right id) to (rank, merged id); the rank orders merges, lower first.</summary>
internal sealed class MergeTable
{
    private readonly Dictionary<long, long> _pairs = [];

    public int Count => _pairs.Count;

    /// <summary>Adds a merge unless the pair is already there with a lower rank (first one wins, as in HF).</summary>
    public void Add(int left, int right, int rank, int merged)
    {
        var key = Key(left, right);
        if (!_pairs.ContainsKey(key))
        {
            _pairs[key] = ((long)rank << 32) | (uint)merged;
        }
    }

    public bool TryGet(int left, int right, out int rank, out int merged)
    {
        if (_pairs.TryGetValue(Key(left, right), out var v))
        {
            rank = (int)(v >> 32);
            merged = (int)(v & 0xFFFFFFFF);
            return true;
        }
        rank = 0;
        merged = 0;
        return false;
    }

    private static long Key(int left, int right) => ((long)left << 32) | (uint)right;
}
