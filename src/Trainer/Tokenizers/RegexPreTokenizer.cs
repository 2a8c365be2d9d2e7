using System.Text.RegularExpressions;

namespace Distributed.Trainer.Tokenizers;

/// <summary>
/// Fallback for Split patterns we have no hand-written splitter for. Text between matches becomes its own piece,
/// as in the Hugging Face "Isolated" behavior. .NET's Regex sees UTF-16 units, so \p{L} misses letters outside
/// the BMP; the built-in splitters do not have this limitation.
/// </summary>
internal sealed class RegexPreTokenizer(string pattern) : PreTokenizer
{
    private readonly Regex _regex = new(pattern, RegexOptions.Compiled | RegexOptions.CultureInvariant);

    public override int NextPieceEnd(ReadOnlySpan<char> text, int start)
    {
        foreach (var m in _regex.EnumerateMatches(text, start))
        {
            if (m.Length == 0)
            {
                continue;
            }
            return m.Index > start ? m.Index : m.Index + m.Length;
        }
        return text.Length;
    }
}
