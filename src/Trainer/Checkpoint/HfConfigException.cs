namespace Distributed.Trainer.Checkpoint;

/// <summary>A Hugging Face <c>config.json</c> that cannot be read or describes an impossible model.</summary>
public sealed class HfConfigException : Exception
{
    public HfConfigException(string path, string problem, Exception? inner = null)
        : base($"{path}: {problem}", inner)
    {
        Path = path;
    }

    public string Path { get; }
}
