namespace Distributed.Trainer.Data;

/// <summary>Raised by <see cref="JsonlReader"/> when a file cannot be read on; its own type, so callers can tell
/// a damaged input from failures of their own work done between lines (e.g. writing a shard).</summary>
internal sealed class TruncatedInputException(long line, string reason, Exception? inner = null) : Exception(reason, inner)
{
    public long Line { get; } = line;
}
