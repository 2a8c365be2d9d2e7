namespace Distributed.Trainer.Data;

public enum BadInputPolicy
{
    /// <summary>Stop at the first bad line with a <see cref="DataFormatException"/>.</summary>
    Fail,

    /// <summary>Skip bad lines (and the rest of a truncated file) and count them per <see cref="BadInputKind"/>.</summary>
    Skip,
}
