namespace Distributed.Trainer.Data;

/// <summary>A tokenize job whose inputs hold no document: an error rather than a dataset of nothing.</summary>
public sealed class EmptyInputException(string message) : Exception(message);
