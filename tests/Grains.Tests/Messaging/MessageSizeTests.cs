using System.Diagnostics;
using Distributed.Grains.Messaging;
using Distributed.Grains.Tests.Grains;

namespace Distributed.Grains.Tests.Messaging;

// With Orleans' default 100 MiB body limit. Without the guards, an oversize message tears down the connection,
// is re-sent on every reconnect and ends 30 s later in a bare TimeoutException.
[Collection(ClusterCollection.Name)]
public sealed class MessageSizeTests(ClusterFixture fixture)
{
    private const int Limit = 100 << 20;

    [Fact]
    public async Task An_oversize_argument_fails_before_sending_and_the_connection_keeps_working()
    {
        var grain = fixture.Grains.GetGrain<IPayloadGrain>(1);
        Assert.Equal("pong", await grain.PingAsync());
        var clock = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<MessageTooLargeException>(() => grain.LengthAsync(new byte[Limit + 1]));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
        Assert.Equal(Limit, e.Limit);
        Assert.Contains("IPayloadGrain.LengthAsync", e.Message);
        Assert.Contains("blob storage", e.Message);
        Assert.Equal("pong", await grain.PingAsync());
        // Just under the limit still goes through (the guard measures, it does not guess).
        Assert.Equal(Limit - 4096, await grain.LengthAsync(new byte[Limit - 4096]));
    }

    [Fact]
    public async Task A_record_argument_is_measured_whole()
    {
        var grain = fixture.Grains.GetGrain<IPayloadGrain>(3);
        var chunks = Enumerable.Range(0, 3).Select(_ => new byte[40 << 20]).ToList();
        var e = await Assert.ThrowsAsync<MessageTooLargeException>(() => grain.LengthOfAsync(new Payload("weights", chunks)));
        Assert.Contains("IPayloadGrain.LengthOfAsync", e.Message);
        Assert.Equal(80 << 20, await grain.LengthOfAsync(new Payload("weights", chunks[..2])));
    }

    [Fact]
    public async Task An_oversize_result_comes_back_as_a_clear_error()
    {
        var grain = fixture.Grains.GetGrain<IPayloadGrain>(2);
        var clock = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<MessageTooLargeException>(() => grain.MakeAsync(Limit + 1));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
        Assert.Contains("IPayloadGrain.MakeAsync (result)", e.Message);
        Assert.Equal("pong", await grain.PingAsync());
    }
}
