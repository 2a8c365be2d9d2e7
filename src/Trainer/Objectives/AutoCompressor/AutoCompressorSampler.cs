using Distributed.Trainer.Data;

namespace Distributed.Trainer.Objectives.AutoCompressor;

/// <summary>
/// AutoCompressor samples from a tokenized dataset. The catalog (which document spans make each sample) depends
/// only on document lengths and the options, so every rank builds the same one; segment lengths are drawn per
/// sample from SplitMix64 seeded by (seed, epoch, sample index), so they do not depend on which rank reads it.
/// </summary>
public sealed class AutoCompressorSampler : ISampleSource<AutoCompressorSample>
{
    private readonly TokenizedDataset _dataset;
    private readonly AutoCompressorOptions _options;
    private readonly List<SampleSpan> _spans = [];
    private readonly List<int> _firstSpan = [0];

    public AutoCompressorSampler(TokenizedDataset dataset, AutoCompressorOptions options, ulong seed)
    {
        options.Validate();
        _dataset = dataset;
        _options = options;
        Seed = seed;
        BuildCatalog();
    }

    public string DatasetId => _dataset.Manifest.Id;

    public ulong Seed { get; }

    public long Count => _firstSpan.Count - 1;

    public AutoCompressorSample Get(long sampleIndex, int epoch)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(sampleIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(sampleIndex, Count);
        var spans = _spans.GetRange(_firstSpan[(int)sampleIndex], _firstSpan[(int)sampleIndex + 1] - _firstSpan[(int)sampleIndex]);
        var tokens = new int[spans.Sum(s => s.Length)];
        var at = 0;
        foreach (var s in spans)
        {
            _dataset.CopyTokens(s.Document, s.Start, tokens.AsSpan(at, s.Length));
            at += s.Length;
        }
        var substeps = Segment(tokens.Length, sampleIndex, epoch);
        return new AutoCompressorSample(sampleIndex, tokens, [.. substeps.SelectMany(s => s)], substeps, spans);
    }

    private int[][] Segment(int length, long sampleIndex, int epoch)
    {
        var rng = new SplitMix64(SplitMix64.Derive(Seed, (ulong)epoch, (ulong)sampleIndex, 0x5E6));
        var (min, max) = (_options.SegmentMinTokens, _options.SegmentMaxTokens);
        if (_options.SubstepTokens is not { } substep)
        {
            return [SegmentPlanner.Free(ref rng, length, min, max)];
        }
        var plan = new int[length / substep][];
        for (var s = 0; s < plan.Length; s++)
        {
            plan[s] = SegmentPlanner.Substep(ref rng, substep, _options.SegmentsPerSubstep, min, max);
        }
        return plan;
    }

    private void BuildCatalog()
    {
        var pack = new List<SampleSpan>();
        var packTokens = 0;
        for (long d = 0; d < _dataset.DocumentCount; d++)
        {
            var length = _dataset.DocumentLength(d);
            if (length >= _options.MinTokens)
            {
                if (length <= _options.MaxTokens || _options.LongDocuments == LongDocumentMode.Truncate)
                {
                    AddSample([new SampleSpan(d, 0, Math.Min(length, _options.MaxTokens))]);
                    continue;
                }
                for (var start = 0; length - start >= _options.MinTokens; start += _options.MaxTokens)
                {
                    AddSample([new SampleSpan(d, start, Math.Min(_options.MaxTokens, length - start))]);
                }
                continue;
            }
            if (!_options.PackShortDocuments || length == 0)
            {
                continue;
            }
            if (packTokens + length > _options.MaxTokens)
            {
                FlushPack();
            }
            pack.Add(new SampleSpan(d, 0, length));
            packTokens += length;
            if (packTokens == _options.MaxTokens)
            {
                FlushPack();
            }
        }
        FlushPack();

        void FlushPack()
        {
            if (packTokens >= _options.MinTokens)
            {
                AddSample([.. pack]);
            }
            pack.Clear();
            packTokens = 0;
        }
    }

    private void AddSample(List<SampleSpan> spans)
    {
        if (_options.SubstepTokens is { } substep)
        {
            // Whole substeps only: cut the tail, dropping spans that fall entirely past the last whole one.
            var excess = spans.Sum(s => s.Length) % substep;
            while (excess > 0)
            {
                var last = spans[^1];
                var cut = Math.Min(excess, last.Length);
                spans[^1] = last with { Length = last.Length - cut };
                if (spans[^1].Length == 0)
                {
                    spans.RemoveAt(spans.Count - 1);
                }
                excess -= cut;
            }
            if (spans.Count == 0)
            {
                return;
            }
        }
        _spans.AddRange(spans);
        _firstSpan.Add(_spans.Count);
    }
}
