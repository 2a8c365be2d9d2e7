namespace Distributed.Trainer.Data;

/// <summary>One shard as the manifest records it; <see cref="Sha256"/> (lowercase hex) covers the whole object.</summary>
public sealed record ShardInfo(string Name, long Documents, long Tokens, long Bytes, string Sha256);
