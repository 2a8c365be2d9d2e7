namespace Distributed.Trainer.Data;

/// <summary>Tokens [Start, Start + Length) of a document of the dataset.</summary>
public readonly record struct SampleSpan(long Document, int Start, int Length);
