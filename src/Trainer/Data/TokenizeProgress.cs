namespace Distributed.Trainer.Data;

/// <summary>Reported after each batch of documents and each shard.</summary>
public sealed record TokenizeProgress(
    int FilesDone, int FilesTotal, string CurrentFile, long Documents, long Skipped, long Tokens, int Shards);
