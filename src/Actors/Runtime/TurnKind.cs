namespace Distributed.Actors.Runtime;

/// <summary>How a call shares its activation with other calls.</summary>
public enum TurnKind
{
    /// <summary>One call at a time: the default turn-based execution.</summary>
    Exclusive,

    /// <summary>A [ReadOnly] call: runs alongside other read-only calls, never alongside an exclusive one.</summary>
    Shared,

    /// <summary>[AlwaysInterleave] or a [Reentrant] grain: runs whenever it arrives.</summary>
    Interleave,
}
