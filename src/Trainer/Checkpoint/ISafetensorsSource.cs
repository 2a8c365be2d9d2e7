namespace Distributed.Trainer.Checkpoint;

/// <summary>
/// Named tensors read from safetensors data, one file or a sharded checkpoint alike, so a weight loader
/// does not care how the checkpoint was split. Spans and pointers stay valid until the source is disposed.
/// </summary>
public unsafe interface ISafetensorsSource : IDisposable
{
    IEnumerable<string> Names { get; }

    bool Contains(string name);

    SafetensorsEntry GetEntry(string name);

    ReadOnlySpan<byte> GetBytes(string name);

    byte* GetPointer(string name);
}
