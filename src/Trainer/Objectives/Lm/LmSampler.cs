using Distributed.Trainer.Data;

namespace Distributed.Trainer.Objectives.Lm;

/// <summary>
/// Next-token windows from a tokenized dataset, as GPT pretraining reads a corpus: the documents in dataset order
/// form one stream (`tokenize` ends each document with the tokenizer's EOS, the separator), cut into windows of T + 1 tokens
/// that overlap by one, so every token of the stream is predicted exactly once per epoch. Window i is stream
/// positions [i·T, i·T + T + 1): a pure function of the document lengths, found by binary search over the
/// documents' starts, so nothing is flattened and every rank computes the same catalog.
/// </summary>
public sealed class LmSampler : ISampleSource<int[]>
{
    private readonly TokenizedDataset _dataset;
    private readonly long[] _starts; // stream position of each document's first token; one more entry for the end

    public LmSampler(TokenizedDataset dataset, int windowTokens, ulong seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(windowTokens, 2);
        _dataset = dataset;
        WindowTokens = windowTokens;
        Seed = seed;
        _starts = new long[dataset.DocumentCount + 1];
        for (long d = 0; d < dataset.DocumentCount; d++)
        {
            _starts[d + 1] = _starts[d] + dataset.DocumentLength(d);
        }
        var stream = _starts[^1];
        Count = stream < windowTokens ? 0 : (stream - 1) / (windowTokens - 1);
    }

    public string DatasetId => _dataset.Manifest.Id;

    public ulong Seed { get; }

    public long Count { get; }

    /// <summary>T + 1: the inputs are the first T tokens, the targets the last T.</summary>
    public int WindowTokens { get; }

    public int[] Get(long sampleIndex, int epoch)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(sampleIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(sampleIndex, Count);
        var window = new int[WindowTokens];
        var position = sampleIndex * (WindowTokens - 1);
        var d = Array.BinarySearch(_starts, position);
        d = d >= 0 ? d : ~d - 1;
        // Empty documents share their start with the next one: take the last document starting here.
        while (d + 1 < _starts.Length - 1 && _starts[d + 1] == position)
        {
            d++;
        }
        for (var at = 0; at < window.Length; d++)
        {
            var offset = (int)(position + at - _starts[d]);
            var n = Math.Min(_dataset.DocumentLength(d) - offset, window.Length - at);
            _dataset.CopyTokens(d, offset, window.AsSpan(at, n));
            at += n;
        }
        return window;
    }
}
