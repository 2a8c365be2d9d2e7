namespace Distributed.Trainer.Optim;

public enum DecayShape
{
    Cosine,
    Linear,
    Constant,
}

/// <summary>
/// Learning rate by step: linear warmup from 0 to <see cref="MaxLr"/> over <see cref="WarmupSteps"/>, then
/// cosine or linear decay to <see cref="MinLr"/> at <see cref="TotalSteps"/>, constant after.
/// </summary>
public sealed record LrSchedule(double MaxLr, long WarmupSteps, long TotalSteps, double MinLr = 0, DecayShape Shape = DecayShape.Cosine)
{
    public double At(long step)
    {
        if (step < WarmupSteps) return MaxLr * (step + 1) / WarmupSteps;
        if (Shape == DecayShape.Constant || step >= TotalSteps) return Shape == DecayShape.Constant ? MaxLr : MinLr;
        var progress = (double)(step - WarmupSteps) / Math.Max(1, TotalSteps - WarmupSteps);
        var coefficient = Shape == DecayShape.Cosine ? 0.5 * (1 + Math.Cos(Math.PI * progress)) : 1 - progress;
        return MinLr + coefficient * (MaxLr - MinLr);
    }
}
