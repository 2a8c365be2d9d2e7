namespace Distributed.Trainer.Tokenizers;

/// <summary>Everything a <see cref="BpeTokenizer"/> is built from, in the form its hot path uses.</summary>
internal sealed class BpeTokenizerDefinition
{
    public required TokenizerMode Mode { get; init; }

    /// <summary>Bytes each id decodes to (SentencePiece: "▁" already turned into a space).</summary>
    public required byte[][] TokenBytes { get; init; }

    public required MergeTable Merges { get; init; }

    /// <summary>Byte-level: the initial symbol of each byte; SentencePiece: the &lt;0xXX&gt; fallback token, or -1.</summary>
    public required int[] ByteToId { get; init; }

    /// <summary>SentencePiece: single-character tokens.</summary>
    public Dictionary<int, int> CodePointToId { get; init; } = [];

    /// <summary>Tokens by their text, for TokenToId and tiktoken's whole-piece shortcut.</summary>
    public required Dictionary<string, int> WholePieces { get; init; }

    /// <summary>tiktoken returns a piece that is itself a token without running merges.</summary>
    public bool WholePieceFirst { get; init; }

    /// <summary>SentencePiece: no token has "▁" after another character, so the text may be merged in chunks
    /// that each start at a run of "▁".</summary>
    public bool SplitAtMetaspace { get; init; }

    public PreTokenizer? PreTokenizer { get; init; }

    public bool AddPrefixSpace { get; init; }

    public int? UnknownId { get; init; }

    public int? BosId { get; init; }

    public int? EosId { get; init; }

    public bool AddBos { get; init; }

    public bool AddEos { get; init; }

    public IReadOnlyList<AddedToken> AddedTokens { get; init; } = [];
}
