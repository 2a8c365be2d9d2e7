namespace Distributed.Actors.TestHost.Grains;

/// <summary>Exceptions and slow calls.</summary>
[Alias("test.faulty")]
public interface IFaultyGrain : IGrainWithIntegerKey
{
    Task ThrowAsync(string message);

    Task ThrowOpaqueAsync(int code);

    Task<int> SlowAsync(int delayMs, CancellationToken cancellationToken);
}
