using Distributed.Grains.Workers;

namespace Distributed.Grains.Tests.Workers;

public sealed class GpuWorkQueueTests
{
    [Fact]
    public async Task Work_runs_in_order_on_one_dedicated_thread_and_results_come_back_off_it()
    {
        using var queue = new GpuWorkQueue("gpu-test");
        var threads = new List<int>();
        var tasks = Enumerable.Range(0, 100).Select(i => queue.RunAsync(() =>
        {
            threads.Add(Environment.CurrentManagedThreadId);
            return i;
        })).ToArray();
        Assert.Equal(Enumerable.Range(0, 100), await Task.WhenAll(tasks));
        Assert.All(threads, t => Assert.Equal(queue.ThreadId, t));
        Assert.NotEqual(queue.ThreadId, Environment.CurrentManagedThreadId);
        // The awaiting code continues elsewhere: the GPU thread only ever runs queued work.
        await queue.RunAsync(() => 0);
        Assert.False(queue.IsCurrentThread);
    }

    [Fact]
    public async Task A_failing_item_fails_its_caller_and_the_queue_goes_on()
    {
        using var queue = new GpuWorkQueue("gpu-test");
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => queue.RunAsync<int>(() => throw new InvalidOperationException("out of memory on gpu 3")));
        Assert.Equal("out of memory on gpu 3", e.Message);
        Assert.Equal(7, await queue.RunAsync(() => 7));
    }

    [Fact]
    public async Task An_item_cancelled_before_it_starts_is_skipped()
    {
        using var queue = new GpuWorkQueue("gpu-test");
        using var release = new ManualResetEventSlim();
        var blocker = queue.RunAsync(release.Wait);
        using var cts = new CancellationTokenSource();
        var ran = false;
        var skipped = queue.RunAsync(() => ran = true, cts.Token);
        await cts.CancelAsync();
        release.Set();
        await blocker;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => skipped);
        Assert.False(ran);
    }

    [Fact]
    public async Task Dispose_finishes_queued_work_and_then_refuses_more()
    {
        var queue = new GpuWorkQueue("gpu-test");
        using var release = new ManualResetEventSlim();
        var first = queue.RunAsync(release.Wait);
        var second = queue.RunAsync(() => 2);
        release.Set();
        queue.Dispose();
        await first;
        Assert.Equal(2, await second);
        var e = Assert.Throws<ObjectDisposedException>(() => { _ = queue.RunAsync(() => 3); });
        Assert.Contains("shut down", e.Message);
    }
}
