namespace Distributed.Trainer.Tokenizers;

/// <summary>A tokenizer file that cannot be used; the message names the file and what was wrong.</summary>
public sealed class TokenizerFormatException(string message, Exception? inner = null) : Exception(message, inner);
