namespace Distributed.Trainer.Objectives.AutoCompressor;

public enum LongDocumentMode
{
    /// <summary>Keep the first MaxTokens tokens.</summary>
    Truncate,

    /// <summary>Cut into MaxTokens pieces; a last piece shorter than MinTokens is dropped.</summary>
    Split,
}
