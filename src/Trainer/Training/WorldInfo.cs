namespace Distributed.Trainer.Training;

/// <summary>This process's place in a data-parallel world: rank r of W workers training one model.</summary>
public sealed record WorldInfo(int Rank, int WorldSize)
{
    public static readonly WorldInfo Single = new(0, 1);

    public void Validate()
    {
        if (WorldSize < 1 || Rank < 0 || Rank >= WorldSize)
            throw new ArgumentException($"rank {Rank} of world size {WorldSize}: need 0 <= rank < world size");
    }
}
