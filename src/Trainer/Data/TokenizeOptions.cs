using Distributed.Trainer.Tokenizers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Distributed.Trainer.Data;

/// <summary>What <see cref="TokenizeJob.RunAsync"/> reads, how it tokenizes, and where it writes.</summary>
public sealed record TokenizeOptions
{
    /// <summary>JSONL or JSONL.gz files, or directories whose *.jsonl / *.jsonl.gz files are taken in name order.</summary>
    public required IReadOnlyList<string> Inputs { get; init; }

    public required ITokenizer Tokenizer { get; init; }

    /// <summary>Recorded in the manifest (e.g. the tokenizer.json path or a model name).</summary>
    public required string TokenizerName { get; init; }

    public required IShardStore Output { get; init; }

    public string DatasetName { get; init; } = "dataset";

    /// <summary>The JSON field of each line that holds the document's text.</summary>
    public string TextField { get; init; } = "text";

    /// <summary>Put the tokenizer's BOS id before each document.</summary>
    public bool PrependBos { get; init; }

    /// <summary>Put the tokenizer's EOS id after each document (the usual separator when documents are packed).</summary>
    public bool AppendEos { get; init; } = true;

    /// <summary>A shard is closed once it holds at least this many tokens (at most 256M: the tokenize job builds a
    /// shard in memory as one array).</summary>
    public long ShardTokens { get; init; } = 16L << 20;

    /// <summary>Prefix of shard object names in the store, e.g. "shards/".</summary>
    public string ShardPrefix { get; init; } = "shards/";

    public string ManifestName { get; init; } = DatasetManifest.DefaultName;

    public BadInputPolicy OnBadInput { get; init; } = BadInputPolicy.Fail;

    /// <summary>Documents tokenized together on all cores; bounds memory.</summary>
    public int BatchDocuments { get; init; } = 2048;

    public int MaxDegreeOfParallelism { get; init; } = -1;

    /// <summary>Where progress and skipped lines are logged.</summary>
    public ILogger Logger { get; init; } = NullLogger.Instance;
}
