using System.Buffers;
using System.Globalization;
using System.Text;

namespace Distributed.Trainer.Tokenizers;

/// <summary>Character classes of the pre-tokenizer expressions, per code point, with an ASCII table.</summary>
internal static class CharClass
{
    public const byte Other = 0;
    public const byte Letter = 1;
    public const byte Number = 2;
    public const byte Space = 3;

    private static readonly byte[] Ascii = BuildAscii();

    private static byte[] BuildAscii()
    {
        var t = new byte[128];
        for (var c = 0; c < 128; c++)
        {
            t[c] = c switch
            {
                >= 'a' and <= 'z' or >= 'A' and <= 'Z' => Letter,
                >= '0' and <= '9' => Number,
                '\t' or '\n' or '\v' or '\f' or '\r' or ' ' => Space,
                _ => Other,
            };
        }
        return t;
    }

    /// <summary>Class and UTF-16 length of the code point at <paramref name="i"/>.</summary>
    public static byte At(ReadOnlySpan<char> text, int i, out int width)
    {
        var c = text[i];
        if (c < 128)
        {
            width = 1;
            return Ascii[c];
        }
        if (Rune.DecodeFromUtf16(text[i..], out var rune, out width) != OperationStatus.Done)
        {
            width = 1;
            return Other;
        }
        return Classify(rune);
    }

    private static byte Classify(Rune rune)
    {
        // JavaScript's \s: WhiteSpace and LineTerminator, which is Zs plus these (and not U+0085).
        var v = rune.Value;
        if (v is 0xA0 or 0xFEFF or 0x2028 or 0x2029)
        {
            return Space;
        }
        return Rune.GetUnicodeCategory(rune) switch
        {
            UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
                or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter => Letter,
            UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber => Number,
            UnicodeCategory.SpaceSeparator => Space,
            _ => Other,
        };
    }

    /// <summary>End of the run of code points of class <paramref name="cls"/> starting at <paramref name="i"/>.</summary>
    public static int RunEnd(ReadOnlySpan<char> text, int i, byte cls)
    {
        while (i < text.Length && At(text, i, out var w) == cls)
        {
            i += w;
        }
        return i;
    }

    /// <summary>Length (2 or 3) of an English contraction at <paramref name="i"/> ('s 't 're 've 'm 'll 'd), or 0.</summary>
    public static int Contraction(ReadOnlySpan<char> text, int i, bool ignoreCase)
    {
        if (text[i] != '\'' || i + 1 >= text.Length)
        {
            return 0;
        }
        var a = Fold(text[i + 1], ignoreCase);
        if (a is 's' or 't' or 'm' or 'd')
        {
            return 2;
        }
        if (i + 2 >= text.Length)
        {
            return 0;
        }
        var b = Fold(text[i + 2], ignoreCase);
        return (a, b) is ('r', 'e') or ('v', 'e') or ('l', 'l') ? 3 : 0;
    }

    private static char Fold(char c, bool ignoreCase) => ignoreCase && c is >= 'A' and <= 'Z' ? (char)(c + 32) : c;
}
