namespace Distributed.Trainer.Tokenizers;

/// <summary>
/// GPT-2's reversible byte to printable-character map (bytes_to_unicode): byte-level vocabularies store each raw
/// byte as one of these 256 characters, so a vocabulary entry must be mapped back to bytes before use.
/// </summary>
internal static class ByteLevelAlphabet
{
    private static readonly char[] ByteToChar = Build();
    private static readonly Dictionary<char, byte> CharToByte = ByteToChar
        .Select((c, b) => (c, b))
        .ToDictionary(p => p.c, p => (byte)p.b);

    private static char[] Build()
    {
        var map = new char[256];
        var next = 256;
        for (var b = 0; b < 256; b++)
        {
            var printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            map[b] = printable ? (char)b : (char)next++;
        }
        return map;
    }

    public static char ToChar(byte b) => ByteToChar[b];

    /// <summary>Maps a vocabulary string back to raw bytes; false when a character is outside the alphabet.</summary>
    public static bool TryToBytes(string token, out byte[] bytes)
    {
        bytes = new byte[token.Length];
        for (var i = 0; i < token.Length; i++)
        {
            if (!CharToByte.TryGetValue(token[i], out var b))
            {
                return false;
            }
            bytes[i] = b;
        }
        return true;
    }
}
