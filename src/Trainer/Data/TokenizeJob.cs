using Distributed.Trainer.Tokenizers;
using Microsoft.Extensions.Logging;

namespace Distributed.Trainer.Data;

/// <summary>
/// JSONL(.gz) documents to token shards plus a manifest. Documents keep their input order (files in the given
/// order, lines in file order), so the same inputs and tokenizer always give the same shards and manifest id.
/// Batches of documents are tokenized in parallel; reading and writing stay sequential.
/// </summary>
public static partial class TokenizeJob
{

    public static async Task<DatasetManifest> RunAsync(
        TokenizeOptions options, IProgress<TokenizeProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.ShardTokens, 1);
        // A shard is built in memory as one array before it is written, so it must stay well below 2 GiB (256M tokens
        // is 1 GiB at uint32); readers map shards and have no such limit.
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.ShardTokens, 256L << 20);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.BatchDocuments, 1);
        var tokenizer = options.Tokenizer;
        if (options.PrependBos && tokenizer.BosId is null || options.AppendEos && tokenizer.EosId is null)
        {
            throw new ArgumentException($"tokenizer {options.TokenizerName} has no {(options.PrependBos ? "BOS" : "EOS")} token; turn PrependBos/AppendEos off");
        }
        var files = ExpandInputs(options.Inputs);
        if (files.Count == 0)
        {
            throw new EmptyInputException("no input files to tokenize");
        }
        var state = new RunState(options, ShardFormat.TokenWidthFor(tokenizer.VocabularySize), files.Count, progress);
        LogStarting(options.Logger, files.Count, options.DatasetName, options.TokenizerName);
        var empty = new List<string>();
        foreach (var file in files)
        {
            state.CurrentFile = file;
            var (documents, lines) = await ReadFileAsync(file, state, cancellationToken).ConfigureAwait(false);
            state.FilesDone++;
            if (documents == 0)
            {
                var why = lines == 0 ? "empty or only blank lines" : $"no documents in its {lines} lines";
                empty.Add($"{file} ({why})");
                LogEmptyFile(options.Logger, file, why);
            }
        }
        if (empty.Count == files.Count)
        {
            // Nothing to write: a manifest of no shards would only fail later, in a training job.
            var skipped = state.SkippedTotal > 0 ? $"; {state.SkippedTotal} lines were skipped as bad input" : "";
            throw new EmptyInputException(
                $"no documents to tokenize in {string.Join(", ", empty)}{skipped}. Each line of the input must be a JSON object whose \"{options.TextField}\" field holds a document's text");
        }
        await state.SubmitBatchAsync(cancellationToken).ConfigureAwait(false);
        await state.DrainAsync(cancellationToken).ConfigureAwait(false);
        await state.CloseShardAsync(cancellationToken).ConfigureAwait(false);
        var manifest = new DatasetManifest
        {
            Name = options.DatasetName,
            Tokenizer = options.TokenizerName,
            VocabularySize = tokenizer.VocabularySize,
            BosId = tokenizer.BosId,
            EosId = tokenizer.EosId,
            TokenWidth = state.TokenWidth,
            Shards = state.Shards,
            Skipped = state.Skipped,
            Sources = [.. files.Select(Path.GetFileName).Select(n => n!)],
        };
        var json = manifest.ToJsonBytes();
        await options.Output.WriteAtomicAsync(options.ManifestName, (s, ct) => s.WriteAsync(json, ct).AsTask(), cancellationToken).ConfigureAwait(false);
        LogFinished(options.Logger, manifest.Name, manifest.Id, manifest.DocumentCount, manifest.TokenCount, manifest.Shards.Count, state.SkippedTotal);
        return manifest;
    }

    /// <summary>Reads one input; returns the documents it held and its lines that were not blank.</summary>
    private static async Task<(long Documents, long Lines)> ReadFileAsync(string file, RunState state, CancellationToken cancellationToken)
    {
        long documents = 0, lines = 0;
        try
        {
            await foreach (var (lineNumber, line) in JsonlReader.ReadLinesAsync(file, cancellationToken).ConfigureAwait(false))
            {
                if (line.Span.Trim(" \t"u8).IsEmpty)
                {
                    continue;
                }
                lines++;
                if (DocumentParser.TryParse(line.Span, state.Options.TextField, out var text, out var kind, out var reason))
                {
                    documents++;
                    state.Batch.Add(text);
                    if (state.Batch.Count >= state.Options.BatchDocuments)
                    {
                        await state.SubmitBatchAsync(cancellationToken).ConfigureAwait(false);
                    }
                    continue;
                }
                state.Bad(file, lineNumber, kind, reason);
            }
        }
        catch (TruncatedInputException e)
        {
            state.Bad(file, e.Line, BadInputKind.TruncatedFile, e.Message, e);
        }
        return (documents, lines);
    }

    private static List<string> ExpandInputs(IReadOnlyList<string> inputs)
    {
        var files = new List<string>();
        foreach (var input in inputs)
        {
            if (Directory.Exists(input))
            {
                var found = Directory.EnumerateFiles(input)
                    .Where(f => f.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".jsonl.gz", StringComparison.OrdinalIgnoreCase))
                    .Order(StringComparer.Ordinal)
                    .ToList();
                if (found.Count == 0)
                {
                    throw new EmptyInputException($"no documents to tokenize: folder {input} has no .jsonl or .jsonl.gz files");
                }
                files.AddRange(found);
            }
            else if (File.Exists(input))
            {
                files.Add(input);
            }
            else
            {
                throw new FileNotFoundException($"tokenize input {input} does not exist", input);
            }
        }
        return files;
    }

    private sealed class RunState(TokenizeOptions options, int tokenWidth, int filesTotal, IProgress<TokenizeProgress>? progress)
    {
        private ShardBuilder _shard = new(tokenWidth);
        private Task<int[][]>? _pending;

        public TokenizeOptions Options { get; } = options;

        public int TokenWidth { get; } = tokenWidth;

        public List<string> Batch { get; } = [];

        public List<ShardInfo> Shards { get; } = [];

        public Dictionary<BadInputKind, long> Skipped { get; } = [];

        public long SkippedTotal => Skipped.Values.Sum();

        public string CurrentFile { get; set; } = "";

        public int FilesDone { get; set; }

        private long Documents { get; set; }

        private long Tokens { get; set; }

        public void Bad(string file, long line, BadInputKind kind, string reason, Exception? inner = null)
        {
            if (Options.OnBadInput == BadInputPolicy.Fail)
            {
                throw new DataFormatException(file, line, kind, reason, inner);
            }
            Skipped[kind] = Skipped.GetValueOrDefault(kind) + 1;
            LogSkipped(Options.Logger, file, line, reason);
        }

        /// <summary>Starts encoding the collected batch on the thread pool and returns once the previous batch
        /// is in its shard, so reading the next batch overlaps encoding this one.</summary>
        public async Task SubmitBatchAsync(CancellationToken cancellationToken)
        {
            if (Batch.Count == 0)
            {
                return;
            }
            string[] texts = [.. Batch];
            Batch.Clear();
            await DrainAsync(cancellationToken).ConfigureAwait(false);
            _pending = Task.Run(() => Encode(texts), cancellationToken);
        }

        /// <summary>Appends the batch being encoded, in input order, closing shards as they fill.</summary>
        public async Task DrainAsync(CancellationToken cancellationToken)
        {
            if (_pending is null)
            {
                return;
            }
            var encoded = await _pending.ConfigureAwait(false);
            _pending = null;
            foreach (var ids in encoded)
            {
                _shard.Add(ids);
                Documents++;
                Tokens += ids.Length;
                if (_shard.TokenCount >= Options.ShardTokens)
                {
                    await CloseShardAsync(cancellationToken).ConfigureAwait(false);
                }
            }
            Report();
        }

        public async Task CloseShardAsync(CancellationToken cancellationToken)
        {
            if (_shard.DocumentCount == 0)
            {
                return;
            }
            var name = $"{Options.ShardPrefix}shard-{Shards.Count:D5}.bin";
            var info = await _shard.WriteAsync(Options.Output, name, cancellationToken).ConfigureAwait(false);
            Shards.Add(info);
            _shard = new ShardBuilder(TokenWidth);
            LogShard(Options.Logger, name, info.Documents, info.Tokens);
            Report();
        }

        public void Report() =>
            progress?.Report(new TokenizeProgress(FilesDone, filesTotal, CurrentFile, Documents, SkippedTotal, Tokens, Shards.Count));

        private int[][] Encode(string[] texts)
        {
            var tokenizer = Options.Tokenizer;
            var results = new int[texts.Length][];
            Parallel.For(
                0,
                texts.Length,
                new ParallelOptions { MaxDegreeOfParallelism = Options.MaxDegreeOfParallelism },
                () => new List<int>(4096),
                (i, _, buffer) =>
                {
                    buffer.Clear();
                    if (Options.PrependBos)
                    {
                        buffer.Add(tokenizer.BosId!.Value);
                    }
                    tokenizer.Encode(texts[i], buffer);
                    if (Options.AppendEos)
                    {
                        buffer.Add(tokenizer.EosId!.Value);
                    }
                    results[i] = [.. buffer];
                    return buffer;
                },
                _ => { });
            return results;
        }
    }

    [LoggerMessage(EventId = 400, Level = LogLevel.Information, Message = "Tokenizing {FileCount} files into {Dataset} with {Tokenizer}")]
    private static partial void LogStarting(ILogger logger, int fileCount, string dataset, string tokenizer);

    [LoggerMessage(EventId = 401, Level = LogLevel.Information,
        Message = "Dataset {Dataset} ({DatasetId}): {Documents} documents, {Tokens} tokens in {Shards} shards, {Skipped} lines skipped")]
    private static partial void LogFinished(ILogger logger, string dataset, string datasetId, long documents, long tokens, int shards, long skipped);

    [LoggerMessage(EventId = 402, Level = LogLevel.Warning, Message = "Skipped {File}:{Line}: {Reason}")]
    private static partial void LogSkipped(ILogger logger, string file, long line, string reason);

    [LoggerMessage(EventId = 403, Level = LogLevel.Information, Message = "Wrote shard {Shard}: {Documents} documents, {Tokens} tokens")]
    private static partial void LogShard(ILogger logger, string shard, long documents, long tokens);

    [LoggerMessage(EventId = 404, Level = LogLevel.Warning, Message = "{File}: {Reason}")]
    private static partial void LogEmptyFile(ILogger logger, string file, string reason);
}
