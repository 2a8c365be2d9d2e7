namespace Distributed.Trainer.Tokenizers;

/// <summary>'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+ without a regex engine.</summary>
internal sealed class Gpt2PreTokenizer : PreTokenizer
{
    public override int NextPieceEnd(ReadOnlySpan<char> text, int start)
    {
        var contraction = CharClass.Contraction(text, start, ignoreCase: false);
        if (contraction > 0)
        {
            return start + contraction;
        }
        var j = start;
        var cls = CharClass.At(text, j, out var w);
        if (text[j] == ' ' && j + 1 < text.Length)
        {
            var nextCls = CharClass.At(text, j + 1, out var nw);
            if (nextCls != CharClass.Space)
            {
                return CharClass.RunEnd(text, j + 1 + nw, nextCls);
            }
        }
        if (cls != CharClass.Space)
        {
            return CharClass.RunEnd(text, j + w, cls);
        }
        return WhitespaceEnd(text, start);
    }

    /// <summary>\s+(?!\S)|\s+ : a whitespace run leaves its last character to the piece that follows it.</summary>
    internal static int WhitespaceEnd(ReadOnlySpan<char> text, int start)
    {
        var end = CharClass.RunEnd(text, start, CharClass.Space);
        if (end == text.Length)
        {
            return end;
        }
        var lastStart = end - 1;
        if (char.IsLowSurrogate(text[lastStart]) && lastStart > start)
        {
            lastStart--;
        }
        return lastStart > start ? lastStart : end;
    }
}
