namespace Distributed.Trainer.Tokenizers;

/// <summary>
/// Splits text into the pieces that BPE runs on. The built-in splitters are hand-written equivalents of the
/// GPT-2 and cl100k regular expressions: they walk code points (so letters outside the BMP count as letters,
/// as in JavaScript's /u and Rust regexes, unlike .NET's UTF-16 Regex) and allocate nothing.
/// </summary>
public abstract class PreTokenizer
{
    /// <summary>GPT-2 / OPT / GPT-NeoX: 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+</summary>
    public const string Gpt2Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    /// <summary>cl100k_base (GPT-4, Llama-3 style).</summary>
    public const string Cl100kPattern = @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    /// <summary>The same expression as written in tiktoken's rank files (contractions spelled out per case).</summary>
    public const string Cl100kTiktokenPattern = @"('s|'S|'t|'T|'re|'rE|'Re|'RE|'ve|'vE|'Ve|'VE|'m|'M|'ll|'lL|'Ll|'LL|'d|'D)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    public static PreTokenizer Gpt2 { get; } = new Gpt2PreTokenizer();

    public static PreTokenizer Cl100k { get; } = new Cl100kPreTokenizer();

    /// <summary>A built-in splitter when the pattern is one of the known ones, else a compiled .NET regex.</summary>
    public static PreTokenizer FromPattern(string pattern) => pattern switch
    {
        Gpt2Pattern => Gpt2,
        Cl100kPattern or Cl100kTiktokenPattern => Cl100k,
        _ => new RegexPreTokenizer(pattern),
    };

    /// <summary>Returns the end of the piece that starts at <paramref name="start"/> (start &lt; text.Length).</summary>
    public abstract int NextPieceEnd(ReadOnlySpan<char> text, int start);
}
