namespace Distributed.Grains.Tests.Grains;

[GenerateSerializer]
public sealed class CounterRecord
{
    [Id(0)]
    public int Value { get; set; }
}
