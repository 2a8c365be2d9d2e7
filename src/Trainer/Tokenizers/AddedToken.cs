namespace Distributed.Trainer.Tokenizers;

/// <summary>A token matched literally in the text before BPE (e.g. "&lt;|endoftext|&gt;", "&lt;s&gt;").</summary>
public sealed record AddedToken(int Id, string Content, bool Special);
