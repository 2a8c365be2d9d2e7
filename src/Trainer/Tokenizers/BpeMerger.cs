namespace Distributed.Trainer.Tokenizers;

/// <summary>
/// Applies BPE merges to a sequence of symbol ids: always the pair of lowest rank, the leftmost on ties (as
/// Hugging Face, tiktoken and llama-tokenizer-js do). A min-heap of (rank, position) with lazy invalidation
/// makes whole-document SentencePiece inputs O(n log n); scratch arrays are per thread, so nothing is allocated.
/// </summary>
internal sealed class BpeMerger
{
    [ThreadStatic]
    private static BpeMerger? _threadInstance;

    private int[] _next = new int[64];
    private int[] _prev = new int[64];
    private long[] _heap = new long[64];
    private int _heapCount;

    public static BpeMerger ForThisThread => _threadInstance ??= new BpeMerger();

    /// <summary>Merges <paramref name="ids"/> in place; returns how many ids remain at its start.</summary>
    public int Merge(Span<int> ids, MergeTable merges)
    {
        var n = ids.Length;
        if (n < 2)
        {
            return n;
        }
        if (_next.Length < n)
        {
            var size = Math.Max(n, _next.Length * 2);
            _next = new int[size];
            _prev = new int[size];
            _heap = new long[size];
        }
        _heapCount = 0;
        for (var i = 0; i < n; i++)
        {
            _next[i] = i + 1 < n ? i + 1 : -1;
            _prev[i] = i - 1;
            if (i + 1 < n && merges.TryGet(ids[i], ids[i + 1], out var rank, out _))
            {
                Push(((long)rank << 32) | (uint)i);
            }
        }
        while (_heapCount > 0)
        {
            var key = Pop();
            var pos = (int)(key & 0xFFFFFFFF);
            var rank = (int)(key >> 32);
            var right = _next[pos];
            if (ids[pos] < 0 || right < 0
                || !merges.TryGet(ids[pos], ids[right], out var currentRank, out var merged) || currentRank != rank)
            {
                continue;
            }
            ids[pos] = merged;
            ids[right] = -1;
            var after = _next[right];
            _next[pos] = after;
            if (after >= 0)
            {
                _prev[after] = pos;
                if (merges.TryGet(merged, ids[after], out var r, out _))
                {
                    Push(((long)r << 32) | (uint)pos);
                }
            }
            var before = _prev[pos];
            if (before >= 0 && merges.TryGet(ids[before], merged, out var l, out _))
            {
                Push(((long)l << 32) | (uint)before);
            }
        }
        var count = 0;
        for (var i = 0; i >= 0; i = _next[i])
        {
            ids[count++] = ids[i];
        }
        return count;
    }

    private void Push(long key)
    {
        if (_heapCount == _heap.Length)
        {
            Array.Resize(ref _heap, _heap.Length * 2);
        }
        var i = _heapCount++;
        while (i > 0)
        {
            var parent = (i - 1) >> 1;
            if (_heap[parent] <= key)
            {
                break;
            }
            _heap[i] = _heap[parent];
            i = parent;
        }
        _heap[i] = key;
    }

    private long Pop()
    {
        var top = _heap[0];
        var last = _heap[--_heapCount];
        var i = 0;
        while (true)
        {
            var child = (2 * i) + 1;
            if (child >= _heapCount)
            {
                break;
            }
            if (child + 1 < _heapCount && _heap[child + 1] < _heap[child])
            {
                child++;
            }
            if (_heap[child] >= last)
            {
                break;
            }
            _heap[i] = _heap[child];
            i = child;
        }
        if (_heapCount > 0)
        {
            _heap[i] = last;
        }
        return top;
    }
}
