namespace Distributed.Trainer.Checkpoint;

/// <summary>Opens the weights of a Hugging Face model directory.</summary>
public static class SafetensorsCheckpoint
{
    public const string SingleFileName = "model.safetensors";
    public const string IndexFileName = "model.safetensors.index.json";

    /// <summary>
    /// <c>model.safetensors</c> when present, else the sharded checkpoint of <c>model.safetensors.index.json</c>:
    /// the order transformers' <c>from_pretrained</c> looks in.
    /// </summary>
    public static ISafetensorsSource Open(string directory)
    {
        var single = Path.Combine(directory, SingleFileName);
        if (File.Exists(single))
            return SafetensorsFile.Open(single);
        var index = Path.Combine(directory, IndexFileName);
        if (File.Exists(index))
            return ShardedSafetensors.Open(index);
        throw new FileNotFoundException($"{directory}: no {SingleFileName} and no {IndexFileName}: not a safetensors checkpoint directory");
    }
}
