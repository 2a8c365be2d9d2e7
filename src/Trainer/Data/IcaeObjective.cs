namespace Distributed.Trainer.Data;

public enum IcaeObjective
{
    /// <summary>Reconstruct the context from its memory slots, after the [AE] token.</summary>
    Autoencoding,

    /// <summary>Continue the text that follows the context.</summary>
    LanguageModeling,

    /// <summary>Answer a prompt about the context (fine-tuning on (context, prompt, response) triples).</summary>
    Instruction,
}
