namespace Distributed.Trainer.Tokenizers;

/// <summary>What the data pipeline and the samplers need from a tokenizer.</summary>
public interface ITokenizer
{
    int VocabularySize { get; }

    int? BosId { get; }

    int? EosId { get; }

    /// <summary>Appends the ids of <paramref name="text"/> to <paramref name="output"/>; BOS/EOS per the
    /// tokenizer's post-processing when <paramref name="addSpecialTokens"/> is true.</summary>
    void Encode(ReadOnlySpan<char> text, List<int> output, bool addSpecialTokens = false);

    string Decode(ReadOnlySpan<int> ids, bool skipSpecialTokens = false);
}
