namespace Distributed.Trainer.Tokenizers;

/// <summary>
/// (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
/// without a regex engine; each branch below is one alternative, tried in the expression's order.
/// </summary>
internal sealed class Cl100kPreTokenizer : PreTokenizer
{
    public override int NextPieceEnd(ReadOnlySpan<char> text, int start)
    {
        var contraction = CharClass.Contraction(text, start, ignoreCase: true);
        if (contraction > 0)
        {
            return start + contraction;
        }
        var c = text[start];
        var cls = CharClass.At(text, start, out var w);
        if (cls == CharClass.Letter)
        {
            return CharClass.RunEnd(text, start + w, CharClass.Letter);
        }
        if (cls != CharClass.Number && c != '\r' && c != '\n' && start + w < text.Length
            && CharClass.At(text, start + w, out _) == CharClass.Letter)
        {
            return CharClass.RunEnd(text, start + w, CharClass.Letter);
        }
        if (cls == CharClass.Number)
        {
            var end = start + w;
            for (var n = 1; n < 3 && end < text.Length && CharClass.At(text, end, out var nw) == CharClass.Number; n++)
            {
                end += nw;
            }
            return end;
        }
        var j = c == ' ' && start + 1 < text.Length ? start + 1 : start;
        if (CharClass.At(text, j, out var ow) == CharClass.Other)
        {
            var end = CharClass.RunEnd(text, j + ow, CharClass.Other);
            while (end < text.Length && text[end] is '\r' or '\n')
            {
                end++;
            }
            return end;
        }
        // Whitespace from here on: \s*[\r\n]+ ends after the run's last line break when it has one.
        var runEnd = CharClass.RunEnd(text, start, CharClass.Space);
        var lastBreak = text[start..runEnd].LastIndexOfAny('\r', '\n');
        if (lastBreak >= 0)
        {
            return start + lastBreak + 1;
        }
        return Gpt2PreTokenizer.WhitespaceEnd(text, start);
    }
}
