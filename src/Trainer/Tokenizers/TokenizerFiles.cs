namespace Distributed.Trainer.Tokenizers;

/// <summary>Opens a tokenizer from where a user points: a tokenizer.json, or a GPT-2 style folder.</summary>
public static class TokenizerFiles
{
    public static BpeTokenizer Open(string path)
    {
        if (File.Exists(path)) return TokenizerLoader.FromHuggingFaceJson(path);
        if (Directory.Exists(path))
        {
            var vocab = new[] { "vocab.json", "encoder.json" }.Select(f => Path.Combine(path, f)).FirstOrDefault(File.Exists);
            var merges = new[] { "merges.txt", "vocab.bpe" }.Select(f => Path.Combine(path, f)).FirstOrDefault(File.Exists);
            if (vocab is not null && merges is not null) return TokenizerLoader.FromGpt2Files(vocab, merges);
            var json = Path.Combine(path, "tokenizer.json");
            if (File.Exists(json)) return TokenizerLoader.FromHuggingFaceJson(json);
        }
        throw new FileNotFoundException(
            $"no tokenizer at '{path}': give a tokenizer.json, or a folder with tokenizer.json, or with vocab.json (or encoder.json) and merges.txt (or vocab.bpe)");
    }
}
