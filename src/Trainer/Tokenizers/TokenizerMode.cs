namespace Distributed.Trainer.Tokenizers;

public enum TokenizerMode
{
    /// <summary>GPT-2 / OPT / NeoX / tiktoken: pre-tokenized text, BPE over UTF-8 bytes.</summary>
    ByteLevel,

    /// <summary>Llama-2: spaces become "▁", BPE over characters of the whole text, unknown characters fall back to
    /// &lt;0xXX&gt; byte tokens.</summary>
    SentencePiece,
}
