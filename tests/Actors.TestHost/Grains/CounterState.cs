namespace Distributed.Actors.TestHost.Grains;

public sealed class CounterState
{
    public int Value { get; set; }
}
