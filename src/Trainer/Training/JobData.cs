using Distributed.Trainer.Data;
using Distributed.Trainer.Objectives.Icae;
using Distributed.Trainer.Tokenizers;

namespace Distributed.Trainer.Training;

/// <summary>
/// The data a job reads, opened and checked before any model is built: a tokenized dataset (or the packaged
/// corpus as bytes), or for icae-finetune an instruction file and its tokenizer; and the vocabulary they use,
/// which the model must cover.
/// </summary>
public sealed class JobData
{
    private JobData(string name, int vocabulary, string vocabularySource, int? bosId, int? eosId, TokenizedDataset? dataset,
        ITokenizer? tokenizer, IcaeInstructionSet? instructions)
    {
        Name = name;
        Vocabulary = vocabulary;
        VocabularySource = vocabularySource;
        BosId = bosId;
        EosId = eosId;
        Dataset = dataset;
        Tokenizer = tokenizer;
        Instructions = instructions;
    }

    /// <summary>The data as the user named it, for messages.</summary>
    public string Name { get; }

    /// <summary>Token ids are below this.</summary>
    public int Vocabulary { get; }

    /// <summary>Where <see cref="Vocabulary"/> comes from, for messages ("the tokenizer gpt2").</summary>
    public string VocabularySource { get; }

    public int? BosId { get; }

    public int? EosId { get; }

    public TokenizedDataset? Dataset { get; }

    /// <summary>The tokenizer of the data when known (the job's tokenizer field, or bytes for the packaged corpus).</summary>
    public ITokenizer? Tokenizer { get; }

    public IcaeInstructionSet? Instructions { get; }

    /// <summary>An already opened dataset (in memory, or shared by the sessions of one process).</summary>
    public static JobData FromDataset(TokenizedDataset dataset, string name, ITokenizer? tokenizer = null) =>
        new(name, dataset.Manifest.VocabularySize, $"the tokenizer {dataset.Manifest.Tokenizer}", dataset.Manifest.BosId, dataset.Manifest.EosId, dataset, tokenizer, null);

    public static async Task<JobData> OpenAsync(JobFile job, CancellationToken cancellationToken = default)
    {
        var tokenizer = job.Tokenizer is { } path ? OpenTokenizer(path) : null;
        if (job.Objective == "icae-finetune")
        {
            tokenizer ??= ByteTokenizer.Instance;
            var file = job.Instructions!;
            if (!File.Exists(file)) throw new JobException($"instructions {file}: no such file (the job file's instructions field)");
            var options = IcaeLayout(job, tokenizer.EosId);
            var set = await IcaeInstructionSet.LoadAsync(file, tokenizer, options, (ulong)job.Seed, cancellationToken: cancellationToken).ConfigureAwait(false);
            var source = job.Tokenizer is null ? $"the tokenizer {ByteCorpus.TokenizerName}" : $"the tokenizer {job.Tokenizer}";
            return new JobData(file, tokenizer.VocabularySize, source, tokenizer.BosId, tokenizer.EosId, null, tokenizer, set);
        }
        if (job.Dataset is not { } location)
        {
            var corpus = await ByteCorpus.OpenAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            return new JobData(ByteCorpus.Name, 256, $"the tokenizer {ByteCorpus.TokenizerName}", null, null, corpus, ByteTokenizer.Instance, null);
        }
        TokenizedDataset dataset;
        try
        {
            dataset = await TokenizedDataset.OpenAsync(ShardStores.Open(location), cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new JobException($"dataset {location}: no {DatasetManifest.DefaultName} there; make one with `distributed tokenize --output {location} ...` (--dataset)", e);
        }
        var manifest = dataset.Manifest;
        if (tokenizer is not null && tokenizer.VocabularySize < manifest.VocabularySize)
            throw new JobException(
                $"tokenizer {job.Tokenizer} has {tokenizer.VocabularySize} tokens but the dataset {location} was tokenized with {manifest.Tokenizer} " +
                $"({manifest.VocabularySize} tokens): give the tokenizer the dataset was made with (tokenizer in the job file)");
        return new JobData(location, manifest.VocabularySize, $"the tokenizer {manifest.Tokenizer}", manifest.BosId, manifest.EosId, dataset, tokenizer, null);
    }

    /// <summary>The ICAE example layout of a job.</summary>
    public static IcaeOptions IcaeLayout(JobFile job, int? eosId) => new()
    {
        ContextTokens = job.SpanTokens,
        ContinuationTokens = job.ContinuationTokens,
        MinContextTokens = Math.Min(job.SpanTokens, Math.Max(2, job.SpanTokens / 8)),
        AutoencodingProbability = job.AutoencodeRatio,
        EosId = eosId,
    };

    private static ITokenizer OpenTokenizer(string path)
    {
        try
        {
            return TokenizerFiles.Open(path);
        }
        catch (FileNotFoundException e)
        {
            throw new JobException($"tokenizer: {e.Message} (the job file's tokenizer field, or --tokenizer)", e);
        }
    }
}
