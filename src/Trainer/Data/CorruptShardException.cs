namespace Distributed.Trainer.Data;

/// <summary>A shard whose bytes are not what the manifest recorded: never read on silently.</summary>
public sealed class CorruptShardException(string shard, string reason)
    : Exception($"shard {shard} is corrupt: {reason}; re-run the tokenize job for this dataset or restore the shard")
{
    public string Shard { get; } = shard;
}
