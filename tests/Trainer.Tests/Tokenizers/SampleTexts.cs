namespace Distributed.Trainer.Tests.Tokenizers;

/// <summary>Multilingual text with emoji, code, whitespace runs and line endings of every kind.</summary>
internal static class SampleTexts
{
    public static readonly string[] All =
    [
        "Hello world! I'm sure they'll say it's fine; we've DONE it, haven't WE'LL? He'd've gone.",
        "The quick brown fox jumps over the lazy dog.\n\nIt was the best of times, it was the worst of times.",
        "Größenwahn und Übermut: déjà vu, naïve café, façade, Ærøskøbing, Straße.",
        "Привет, мир! Как дела? Ελληνικά γράμματα. Türkçe çok güzel. Polski: zażółć gęślą jaźń.",
        "你好，世界。今天天气很好！日本語のテキスト：こんにちは世界。한국어: 안녕하세요, 세계!",
        "مرحبا بالعالم. שלום עולם. नमस्ते दुनिया। สวัสดีชาวโลก ሰላም ዓለም",
        "Emoji: 👍🏽 family 👨‍👩‍👧‍👦 flags 🇩🇪🇯🇵 faces 😀😃😄 hearts ❤️💕 and ✨sparkles✨.",
        "public static int Add(int a, int b)\n{\n\treturn a + b; // sum\n}\n\n    if (x != null && y >= 3) { z += x?.Length ?? 0; }\r\n",
        "def f(x):\n    return [i**2 for i in range(x) if i % 2 == 0]  # squares\n\n\n\nprint(f(10))\n",
        "a  b   c    d\t\te\n\n\n  \t  f   \r\n\r\n g      ",
        "   leading spaces and trailing   ",
        "Numbers: 1234567890 3.14159 2026-11-23 12:45:00 $1,000,000.00 50% ½ ² Ⅻ ٣٤٥",
        "Math letters 𝒜𝒷𝒸 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 and non-breaking\u00a0space, ideographic\u3000space, zero\u200bwidth.",
        "URLs https://example.com/path?query=1&b=2#frag and e-mail someone@example.org, <html><body>x</body></html>",
        "Quotes “curly” ‘single’ «guillemets» — em dash – en dash … ellipsis",
        "'s 't 're 've 'm 'll 'd 'S 'T 'RE 'Ve x's y'S ''' '",
        "!!!???... ;;; ---- ==== ____ ****\n\n\n\n",
        "\n",
        " ",
        "x",
    ];
}
