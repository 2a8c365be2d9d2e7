namespace Distributed.Grains.Tests.Grains;

public interface IPayloadGrain : IGrainWithIntegerKey
{
    Task<int> LengthAsync(byte[] data);

    Task<byte[]> MakeAsync(int size);

    Task<string> PingAsync();
}

public sealed class PayloadGrain : Grain, IPayloadGrain
{
    public Task<int> LengthAsync(byte[] data) => Task.FromResult(data.Length);

    public Task<byte[]> MakeAsync(int size) => Task.FromResult(new byte[size]);

    public Task<string> PingAsync() => Task.FromResult("pong");
}
