namespace Distributed.Trainer.Data;

public enum BadInputKind
{
    MalformedJson,
    MissingTextField,
    InvalidUtf8,
    EmptyDocument,

    /// <summary>The file ends in the middle of a compressed stream or cannot be read on: the rest of it is lost.</summary>
    TruncatedFile,
}
