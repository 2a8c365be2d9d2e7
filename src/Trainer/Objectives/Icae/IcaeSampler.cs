using Distributed.Trainer.Data;

namespace Distributed.Trainer.Objectives.Icae;

/// <summary>
/// ICAE pretraining examples: each document is cut into windows of ContextTokens + ContinuationTokens; a window
/// is an autoencoding or a language-modeling example by a coin drawn from (seed, epoch, index), so the mix is
/// the same on every rank and world size. Windows without a continuation are always autoencoding.
/// </summary>
public sealed class IcaeSampler : ISampleSource<IcaeExample>
{
    private readonly TokenizedDataset _dataset;
    private readonly IcaeOptions _options;
    private readonly List<SampleSpan> _windows = [];

    public IcaeSampler(TokenizedDataset dataset, IcaeOptions options, ulong seed)
    {
        options.Validate();
        _dataset = dataset;
        _options = options;
        Seed = seed;
        var window = options.ContextTokens + options.ContinuationTokens;
        for (long d = 0; d < dataset.DocumentCount; d++)
        {
            var length = dataset.DocumentLength(d);
            for (var start = 0; length - start >= options.MinContextTokens; start += window)
            {
                _windows.Add(new SampleSpan(d, start, Math.Min(window, length - start)));
            }
        }
    }

    public string DatasetId => _dataset.Manifest.Id;

    public ulong Seed { get; }

    public long Count => _windows.Count;

    public IcaeExample Get(long sampleIndex, int epoch)
    {
        var w = _windows[checked((int)sampleIndex)];
        var contextLength = Math.Min(w.Length, _options.ContextTokens);
        var context = _dataset.GetTokens(w.Document, w.Start, contextLength);
        var continuation = w.Length - contextLength;
        var rng = new SplitMix64(SplitMix64.Derive(Seed, (ulong)epoch, (ulong)sampleIndex, 0x1CAE));
        if (continuation == 0 || rng.NextDouble() < _options.AutoencodingProbability)
        {
            int[] target = _options.EosId is { } eos ? [.. context, eos] : context;
            return new IcaeExample(sampleIndex, IcaeTask.Autoencode, context, [], target);
        }
        var next = _dataset.GetTokens(w.Document, w.Start + contextLength, continuation);
        return new IcaeExample(sampleIndex, IcaeTask.LanguageModel, context, [], next);
    }
}
