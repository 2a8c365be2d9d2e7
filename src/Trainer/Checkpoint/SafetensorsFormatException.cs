namespace Distributed.Trainer.Checkpoint;

/// <summary>A safetensors file, or a sharded checkpoint index, that does not follow the format.</summary>
public sealed class SafetensorsFormatException : Exception
{
    public SafetensorsFormatException(string path, string problem, Exception? inner = null)
        : base($"{path}: {problem}", inner)
    {
        Path = path;
    }

    /// <summary>The file that is malformed.</summary>
    public string Path { get; }
}
