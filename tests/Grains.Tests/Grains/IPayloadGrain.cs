namespace Distributed.Grains.Tests.Grains;

public interface IPayloadGrain : IGrainWithIntegerKey
{
    Task<int> LengthAsync(byte[] data);

    Task<byte[]> MakeAsync(int size);

    Task<int> LengthOfAsync(Payload payload);

    Task<string> PingAsync();
}

public sealed class PayloadGrain : Grain, IPayloadGrain
{
    public Task<int> LengthAsync(byte[] data) => Task.FromResult(data.Length);

    public Task<byte[]> MakeAsync(int size) => Task.FromResult(new byte[size]);

    public Task<int> LengthOfAsync(Payload payload) => Task.FromResult(payload.Chunks.Sum(c => c.Length));

    public Task<string> PingAsync() => Task.FromResult("pong");
}

/// <summary>A record that hides its bulk in a list of arrays, each under the limit.</summary>
[GenerateSerializer]
public sealed record Payload([property: Id(0)] string Name, [property: Id(1)] List<byte[]> Chunks);
