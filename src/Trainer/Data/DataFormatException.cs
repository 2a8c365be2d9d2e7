namespace Distributed.Trainer.Data;

/// <summary>Input that cannot be turned into a document: the message names the file, the line and the reason.</summary>
public sealed class DataFormatException(string file, long line, BadInputKind kind, string reason, Exception? inner = null)
    : Exception($"{file}:{line}: {reason} (set TokenizeOptions.OnBadInput = BadInputPolicy.Skip to skip and count such lines)", inner)
{
    public string File { get; } = file;

    public long Line { get; } = line;

    public BadInputKind Kind { get; } = kind;
}
