using System.CommandLine;
using System.Diagnostics;
using Distributed.Trainer.Data;
using Distributed.Trainer.Tokenizers;
using Microsoft.Extensions.Logging;
using Serilog;

namespace Distributed.Silo.Commands;

/// <summary>
/// `distributed tokenize`: JSONL / JSONL.gz documents to checksummed token shards plus a manifest, with
/// progress on the terminal. The tokenizer is a Hugging Face tokenizer.json, or a GPT-2 vocab + merges pair.
/// </summary>
public static class TokenizeCommand
{
    public static Command Create()
    {
        var inputs = new Option<string[]>("--input") { Description = "JSONL or JSONL.gz files, or folders of them", Required = true, AllowMultipleArgumentsPerToken = true };
        var output = new Option<string>("--output") { Description = "the dataset folder to write (shards/ and manifest.json), or blob://CONTAINER/PREFIX with AZURE_STORAGE_CONNECTION_STRING set", Required = true };
        var tokenizer = new Option<string>("--tokenizer") { Description = "a tokenizer.json, or a folder with vocab.json/encoder.json and merges.txt/vocab.bpe (GPT-2 style)", Required = true };
        var textField = new Option<string>("--text-field") { Description = "the JSON field that holds each document", DefaultValueFactory = _ => "text" };
        var skipBad = new Option<bool>("--skip-bad-input") { Description = "skip and count malformed lines instead of failing on the first" };
        var shardTokens = new Option<long>("--shard-tokens") { Description = "close a shard at this many tokens", DefaultValueFactory = _ => 16L << 20 };
        var command = new Command("tokenize", "Tokenize JSONL documents into shards for training")
        {
            inputs, output, tokenizer, textField, skipBad, shardTokens,
        };
        command.SetAction((r, ct) => RunAsync(r.GetValue(inputs)!, r.GetValue(output)!, r.GetValue(tokenizer)!, r.GetValue(textField)!,
            r.GetValue(skipBad), r.GetValue(shardTokens), ct));
        return command;
    }

    private static async Task<int> RunAsync(string[] inputs, string output, string tokenizerPath, string textField, bool skipBad, long shardTokens,
        CancellationToken cancellationToken)
    {
        var tokenizer = TokenizerFiles.Open(tokenizerPath);
        var clock = Stopwatch.StartNew();
        var lastReport = TimeSpan.Zero;
        var (loggers, owner) = CommonOptions.RunLogging(null);
        using var _ = owner;
        DatasetManifest manifest;
        try
        {
            // On a terminal a bar over the input files; redirected, a log line a second at most.
            manifest = await TerminalProgress.RunAsync("tokenizing", 1, bar => RunJobAsync(new Progress<TokenizeProgress>(p =>
            {
                if (bar is not null)
                {
                    bar.SetTotal(p.FilesTotal);
                    bar.Update(p.FilesDone, $"{p.FilesDone}/{p.FilesTotal} files, {p.Documents:N0} docs, {p.Tokens:N0} tokens, {p.Shards} shards");
                    return;
                }
                if (clock.Elapsed - lastReport < TimeSpan.FromSeconds(1) && p.FilesDone < p.FilesTotal) return;
                lastReport = clock.Elapsed;
                Log.Information("{FilesDone}/{FilesTotal} files, {Documents:N0} documents, {Tokens:N0} tokens, {Shards} shards, {Skipped} skipped ({File})",
                    p.FilesDone, p.FilesTotal, p.Documents, p.Tokens, p.Shards, p.Skipped, Path.GetFileName(p.CurrentFile));
            })));
        }
        catch (EmptyInputException e)
        {
            throw new EmptyInputException($"{e.Message} (--text-field names another field; --input takes JSONL or JSONL.gz files, or folders of them)");
        }
        Log.Information("Wrote {Shards} shards and {Manifest} to {Output} in {Seconds:F1} s", manifest.Shards.Count, DatasetManifest.DefaultName, output,
            clock.Elapsed.TotalSeconds);
        return 0;

        Task<DatasetManifest> RunJobAsync(IProgress<TokenizeProgress> progress) => TokenizeJob.RunAsync(new TokenizeOptions
        {
            Logger = loggers.CreateLogger("Distributed.Tokenize"),
            Inputs = inputs,
            Tokenizer = tokenizer,
            TokenizerName = Path.GetFileName(Path.TrimEndingDirectorySeparator(tokenizerPath)),
            Output = ShardStores.Open(output),
            DatasetName = Path.GetFileName(Path.TrimEndingDirectorySeparator(output)),
            TextField = textField,
            OnBadInput = skipBad ? BadInputPolicy.Skip : BadInputPolicy.Fail,
            ShardTokens = shardTokens,
        }, progress, cancellationToken);
    }
}
