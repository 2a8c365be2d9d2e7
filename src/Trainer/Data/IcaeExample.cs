namespace Distributed.Trainer.Data;

/// <summary>
/// One ICAE example. The encoder reads <see cref="Context"/> followed by <see cref="MemorySlots"/> memory tokens;
/// the decoder reads the memory slots' outputs, then <see cref="Prompt"/>, and learns to produce
/// <see cref="Target"/>.
/// </summary>
public sealed record IcaeExample(long Index, IcaeObjective Objective, int[] Context, int MemorySlots, int[] Prompt, int[] Target)
{
    /// <summary>Label of positions that carry no loss (PyTorch's cross-entropy ignore_index).</summary>
    public const int IgnoreLabel = -100;

    /// <summary>
    /// Decoder input [slot × MemorySlots][Prompt][Target] and labels aligned with it (Hugging Face convention: the
    /// model shifts them), with <see cref="IgnoreLabel"/> on slots and prompt. <paramref name="slotTokenId"/> is a
    /// placeholder whose embeddings the model replaces with the memory slots.
    /// </summary>
    public (int[] InputIds, int[] Labels) DecoderLayout(int slotTokenId)
    {
        var length = MemorySlots + Prompt.Length + Target.Length;
        var input = new int[length];
        var labels = new int[length];
        input.AsSpan(0, MemorySlots).Fill(slotTokenId);
        Prompt.CopyTo(input, MemorySlots);
        Target.CopyTo(input, MemorySlots + Prompt.Length);
        labels.AsSpan(0, MemorySlots + Prompt.Length).Fill(IgnoreLabel);
        Target.CopyTo(labels, MemorySlots + Prompt.Length);
        return (input, labels);
    }
}
