namespace Distributed.Actors.Tests.State;

/// <summary>A state record large enough that writing it takes several I/O operations.</summary>
public sealed class BigState
{
    public int Version { get; set; }

    public string Payload { get; set; } = "";

    public static BigState Of(int version, int bytes) => new() { Version = version, Payload = new string((char)('a' + (version % 26)), bytes) };
}
