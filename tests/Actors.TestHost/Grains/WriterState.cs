namespace Distributed.Actors.TestHost.Grains;

public sealed class WriterState
{
    public int Version { get; set; }

    public string Payload { get; set; } = "";
}
