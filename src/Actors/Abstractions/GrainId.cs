namespace Distributed.Actors;

/// <summary>Identity of a grain in the cluster: the stable name of its interface plus its key.</summary>
public readonly record struct GrainId(string Type, string Key)
{
    public override string ToString() => $"{Type}/{Key}";
}
