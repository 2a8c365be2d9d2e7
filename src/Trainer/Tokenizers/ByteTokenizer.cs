using System.Text;

namespace Distributed.Trainer.Tokenizers;

/// <summary>
/// UTF-8 bytes as token ids (vocabulary 256, no special tokens): the packaged corpus's tokenization, which needs
/// no tokenizer file. Decoding replaces bytes that do not form valid UTF-8 with U+FFFD.
/// </summary>
public sealed class ByteTokenizer : ITokenizer
{
    public static ByteTokenizer Instance { get; } = new();

    public int VocabularySize => 256;

    public int? BosId => null;

    public int? EosId => null;

    public void Encode(ReadOnlySpan<char> text, List<int> output, bool addSpecialTokens = false)
    {
        var bytes = new byte[Encoding.UTF8.GetByteCount(text)];
        Encoding.UTF8.GetBytes(text, bytes);
        foreach (var b in bytes) output.Add(b);
    }

    public string Decode(ReadOnlySpan<int> ids, bool skipSpecialTokens = false)
    {
        var bytes = new byte[ids.Length];
        for (var i = 0; i < ids.Length; i++)
        {
            if ((uint)ids[i] > 255) throw new ArgumentOutOfRangeException(nameof(ids), ids[i], "a byte token is 0..255");
            bytes[i] = (byte)ids[i];
        }
        return Encoding.UTF8.GetString(bytes);
    }
}
