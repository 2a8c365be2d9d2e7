namespace Distributed.Trainer.Objectives.Icae;

/// <summary>
/// One ICAE example. The encoder reads <see cref="Context"/> followed by the memory tokens; the decoder reads the
/// memory slots, the task's special embedding ([AE], [LM] or [FT]), then <see cref="Prompt"/>, and learns to
/// produce <see cref="Target"/>.
/// </summary>
public sealed record IcaeExample(long Index, IcaeTask Task, int[] Context, int[] Prompt, int[] Target);
