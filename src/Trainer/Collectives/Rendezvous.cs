namespace Distributed.Trainer.Collectives;

/// <summary>
/// Where and how one world meets: the c10d TCPStore at <see cref="Host"/>:<see cref="Port"/> (rank 0
/// serves it unless the caller passes a store), the world's id (the prefix of its keys in the store, so a
/// new world on the same store never reads an old world's keys), this process's rank, the world size, and
/// the timeout of every collective (seconds, not libtorch's ten-minute default) and, unless
/// <see cref="JoinTimeout"/> says otherwise, of forming the world.
/// </summary>
public sealed record Rendezvous(string Host, int Port, string WorldId, int Rank, int WorldSize, TimeSpan Timeout)
{
    /// <summary>
    /// How long joining waits for the store and for the other ranks (null: <see cref="Timeout"/>). Ranks
    /// start seconds apart (process start, model load) while a collective should fail within seconds of a
    /// peer's loss, so this is often the longer of the two. (A store passed to <see cref="ProcessGroup.Join"/>
    /// keeps the connect timeout it was made with.)
    /// </summary>
    public TimeSpan? JoinTimeout { get; init; }

    /// <summary>Every problem with these values, in words that say what to fix; empty when valid.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(Host)) problems.Add("the store host is empty: give the address of the rank-0 machine");
        if (Port is < 1 or > 65535) problems.Add($"the store port {Port} is outside 1-65535");
        if (string.IsNullOrWhiteSpace(WorldId)) problems.Add("the world id is empty: every world needs its own id");
        else if (WorldId.Contains('/', StringComparison.Ordinal)) problems.Add($"the world id '{WorldId}' contains '/', which separates store key prefixes");
        if (WorldSize < 1) problems.Add($"the world size {WorldSize} is not positive");
        if (Rank < 0 || Rank >= Math.Max(WorldSize, 1)) problems.Add($"rank {Rank} is outside a world of {WorldSize}");
        if (Timeout <= TimeSpan.Zero) problems.Add($"the timeout {Timeout} is not positive");
        else if (Timeout.TotalMilliseconds < 1) problems.Add($"the timeout {Timeout} is under a millisecond");
        if (JoinTimeout is { } join && join.TotalMilliseconds < 1) problems.Add($"the join timeout {join} is under a millisecond");
        return problems;
    }

    /// <summary>Throws an <see cref="ArgumentException"/> listing every problem.</summary>
    public void Validate()
    {
        var problems = Problems();
        if (problems.Count > 0)
            throw new ArgumentException($"invalid rendezvous {this}: {string.Join("; ", problems)}");
    }
}
