using Distributed.Trainer.Data;

namespace Distributed.Silo.Tests;

/// <summary>
/// Real English text (the first 800 fortunes of the packaged corpus) tokenized with the GPT-2 tokenizer through
/// `distributed tokenize`, once for the test class: the dataset the shipped job files train on in the CLI tests.
/// </summary>
public sealed class Gpt2Dataset : IDisposable
{
    public Gpt2Dataset()
    {
        var input = System.IO.Path.Combine(Folder, "fortunes.jsonl");
        File.WriteAllLines(input, RealTextCorpus.ReadDocuments().Take(800).Select(d => System.Text.Json.JsonSerializer.Serialize(new { text = d })));
        (Code, Output) = CliProcess.Run("tokenize", "--input", input, "--output", Path, "--tokenizer", CliProcess.Gpt2Tokenizer);
    }

    public string Folder { get; } = Directory.CreateTempSubdirectory("cli-data-").FullName;

    /// <summary>The tokenized dataset.</summary>
    public string Path => System.IO.Path.Combine(Folder, "dataset");

    /// <summary>How `tokenize` ended.</summary>
    public int Code { get; }

    public string Output { get; }

    public void Dispose() => Directory.Delete(Folder, recursive: true);
}
