using System.Text.RegularExpressions;
using Distributed.Trainer.Tokenizers;
using FsCheck;
using FsCheck.Xunit;

namespace Distributed.Trainer.Tests.Tokenizers;

/// <summary>
/// The hand-written splitters cut random text exactly where the regular expressions they replace do. The
/// alphabet stays in the BMP and avoids U+0085 and U+FEFF, where .NET's Regex and JavaScript's differ (the
/// splitters follow JavaScript; the npm comparisons cover emoji and letters outside the BMP).
/// </summary>
public class PreTokenizerPropertyTests
{
    private static readonly string[] Alphabet =
    [
        "a", "Z", "é", "Ж", "中", "ß", "0", "7", "٣", "½", "Ⅻ", " ", " ", " ", "\t", "\n", "\r", "\r\n", "\u00a0", "\u3000",
        "'", "'s", "'T", "'re", "'LL", "'d", "'m", "'Ve", "!", ".", "-", "_", "$", "€", "(", "\"", "…", "–",
    ];

    [Property(MaxTest = 500)]
    public void Gpt2SplitsWhereItsRegexDoes(byte[] letters) =>
        AssertSameSplits(PreTokenizer.Gpt2, PreTokenizer.Gpt2Pattern, letters);

    [Property(MaxTest = 500)]
    public void Cl100kSplitsWhereItsRegexDoes(byte[] letters) =>
        AssertSameSplits(PreTokenizer.Cl100k, PreTokenizer.Cl100kPattern, letters);

    private static void AssertSameSplits(PreTokenizer pre, string pattern, byte[] letters)
    {
        var text = string.Concat(letters.Select(b => Alphabet[b % Alphabet.Length]));
        var expected = Regex.Matches(text, pattern).Select(m => m.Value).ToArray();
        var actual = new List<string>();
        for (var start = 0; start < text.Length;)
        {
            var end = pre.NextPieceEnd(text, start);
            actual.Add(text[start..end]);
            start = end;
        }
        Assert.True(expected.SequenceEqual(actual), $"\"{Regex.Escape(text)}\": regex [{string.Join("|", expected.Select(Regex.Escape))}] ours [{string.Join("|", actual.Select(Regex.Escape))}]");
    }
}
