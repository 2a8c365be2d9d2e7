using System.Diagnostics;
using Distributed.Trainer.Collectives;
using Distributed.Trainer.Nn;
using Distributed.Trainer.Torch;

namespace Distributed.Collectives.Tests;

// In one process: the ranks of a world on threads (Gloo does not mind), for the API's checks, errors and
// abort; the real-process behaviour is in the other test classes.
public sealed class ProcessGroupTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public void The_shim_has_gloo_collectives()
    {
        Assert.True(LibTorch.HasGloo, "the native shim was built without Gloo: install libgloo-dev and run infra/setup.sh");
    }

    [Fact]
    public void A_bad_rendezvous_lists_every_problem()
    {
        var r = new Rendezvous("", 70000, "a/b", 3, 2, TimeSpan.Zero);
        var e = Assert.Throws<ArgumentException>(() => ProcessGroup.Join(r, Device.Cpu));
        foreach (var part in new[] { "host is empty", "port 70000", "contains '/'", "rank 3 is outside a world of 2", "timeout 00:00:00 is not positive" })
            Assert.Contains(part, e.Message, StringComparison.Ordinal);
        Assert.Empty(new Rendezvous("127.0.0.1", 29500, "w1", 1, 2, Timeout).Problems());
    }

    [Fact]
    public void Joining_a_world_whose_peer_never_comes_times_out_naming_the_rank_and_world()
    {
        using var store = TcpStore.Serve("127.0.0.1", 0, Timeout);
        var clock = Stopwatch.StartNew();
        var e = Assert.Throws<CollectiveException>(() =>
            ProcessGroup.Join(new Rendezvous("127.0.0.1", store.Port, "lonely", 0, 2, TimeSpan.FromSeconds(1)), Device.Cpu, store));
        Assert.Equal(CollectiveFailure.Timeout, e.Failure);
        Assert.Equal(0, e.Rank);
        Assert.Equal("lonely", e.WorldId);
        Assert.StartsWith("Join", e.Op, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(8), $"the rendezvous timeout of 1 s took {clock.Elapsed}");
    }

    [Fact]
    public async Task A_rank_later_than_the_collective_timeout_still_joins_within_the_join_timeout()
    {
        // Without a store passed in, rank 0 serves it at the rendezvous address and rank 1 connects.
        var port = Infrastructure.TestWorld.FreePort();
        Rendezvous At(int rank) => new("127.0.0.1", port, "late-" + port, rank, 2, TimeSpan.FromSeconds(1)) { JoinTimeout = TimeSpan.FromSeconds(30) };
        var first = Task.Factory.StartNew(() => ProcessGroup.Join(At(0), Device.Cpu), TaskCreationOptions.LongRunning);
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        Assert.False(first.IsCompleted, "rank 0 finished joining before rank 1 came");
        using var second = await Task.Factory.StartNew(() => ProcessGroup.Join(At(1), Device.Cpu), TaskCreationOptions.LongRunning);
        using var group = await first;
        using var t0 = Tensor.Full([5], 2.0);
        using var t1 = Tensor.Full([5], 3.0);
        var reduce0 = Task.Run(() => group.AllReduceSum(t0));
        second.AllReduceSum(t1);
        await reduce0;
        Assert.All(t0.ToArray<float>().Concat(t1.ToArray<float>()), v => Assert.Equal(5f, v));
    }

    [Fact]
    public void A_store_served_on_port_0_reports_the_port_it_took()
    {
        using var store = TcpStore.Serve("127.0.0.1", 0, Timeout);
        Assert.InRange(store.Port, 1, 65535);
        using var client = TcpStore.Connect("127.0.0.1", store.Port, Timeout);
        Assert.Equal(store.Port, client.Port);
    }

    [Fact]
    public async Task Abort_ends_a_wait_on_another_thread_at_once_although_the_group_timeout_is_long()
    {
        // Rank 1 joins but never all-reduces: rank 0's collective would wait for the 30 s group timeout.
        var groups = JoinWorld(2, TimeSpan.FromSeconds(30));
        try
        {
            using var buffer = Tensor.Ones([1000]);
            using var work = groups[0].AllReduceSumAsync(buffer);
            var waiting = Task.Run(() => Assert.Throws<CollectiveException>(() => work.Wait()));
            Assert.NotSame(waiting, await Task.WhenAny(waiting, Task.Delay(300)));
            var clock = Stopwatch.StartNew();
            groups[0].Abort();
            Assert.True(waiting == await Task.WhenAny(waiting, Task.Delay(TimeSpan.FromSeconds(5))), "the wait did not end within 5 s of Abort");
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"the wait ended {clock.Elapsed} after Abort");
            var e = await waiting;
            Assert.Equal(CollectiveFailure.Aborted, e.Failure);
            Assert.Equal("AllReduceSum", e.Op);
            // Later calls fail at once, naming the abort.
            var next = Assert.Throws<CollectiveException>(() => groups[0].Barrier());
            Assert.Equal(CollectiveFailure.Aborted, next.Failure);
        }
        finally
        {
            var clock = Stopwatch.StartNew();
            foreach (var g in groups) g.Dispose();
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"disposing the groups took {clock.Elapsed}");
        }
    }

    [Fact]
    public void Tensors_on_another_device_or_not_contiguous_and_bad_roots_are_refused_with_what_to_do()
    {
        var groups = JoinWorld(1, Timeout);
        using var g = groups[0];
        using var scope = TensorScope.Begin();
        var m = Tensor.Ones([3, 4]);
        var e = Assert.Throws<ArgumentException>(() => g.AllReduceSum(m.Transpose(0, 1)));
        Assert.Contains("not contiguous", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => g.Broadcast(m, root: 1));
        if (LibTorch.Version.Major < 2)
        {
            // libtorch 1.13's Gloo has no bf16 kernels: the error names the dtype and the way out, and the group stays usable.
            var bf16 = Assert.Throws<CollectiveException>(() => g.AllReduceSum(m.To(DType.BFloat16)));
            Assert.Equal(CollectiveFailure.Failed, bf16.Failure);
            Assert.True(bf16.Message.Contains("BFloat16 tensors are not supported by Gloo", StringComparison.Ordinal), bf16.Message);
            Assert.Contains("Float32", bf16.Message, StringComparison.Ordinal);
        }
        g.AllReduceSum(m);
        Assert.All(m.ToArray<float>(), x => Assert.Equal(1f, x));
    }

    [Fact]
    public void The_reducer_refuses_misuse_and_reports_a_gradient_written_after_its_bucket_was_launched()
    {
        var groups = JoinWorld(1, Timeout);
        using var g = groups[0];
        using var gen = new Generator(1);
        using var model = new Linear(4, 3, generator: gen);
        using var flat = FlatParameters.Build(model, Device.Cpu);
        using var reducer = new BucketAllReducer(flat, g);
        Assert.Throws<InvalidOperationException>(() => reducer.FinishAndWait());

        using var scope = TensorScope.Begin();
        var x = Tensor.Ones([2, 4]);
        // One synchronized backward: a world of one sums to itself.
        reducer.BeginLastBackward();
        model.Forward(x).Sum().Backward();
        reducer.FinishAndWait();
        using (var grad = model.Weight.Grad())
            Assert.All(grad!.ToArray<float>(), v => Assert.Equal(2f, v));
        Assert.Equal(flat.TrainableBuckets.Count(), reducer.LastTimings!.ReadyOrder.Length);

        // Armed too early: the second backward writes into buckets whose all-reduce was already launched.
        reducer.BeginLastBackward();
        Assert.Throws<InvalidOperationException>(() => reducer.AllReduceScalars(new double[1]));
        model.Forward(x).Sum().Backward();
        model.Forward(x).Sum().Backward();
        var e = Assert.Throws<CollectiveException>(() => reducer.FinishAndWait());
        Assert.Contains("second gradient after its bucket was complete", e.Message, StringComparison.Ordinal);
        Assert.Contains("arm the reducer right before the last backward", e.Message, StringComparison.Ordinal);
    }

    // Joins every rank of a world of `size` on its own thread (Join blocks until all have joined).
    // Each rank has its own store client, as separate processes would: a TCPStore serializes its calls, so
    // one rank's blocking wait would keep another from publishing its address.
    private static List<ProcessGroup> JoinWorld(int size, TimeSpan timeout)
    {
        using var server = TcpStore.Serve("127.0.0.1", 0, timeout);
        var worldId = "inproc-" + Guid.NewGuid().ToString("N")[..8];
        var joins = Enumerable.Range(0, size)
            .Select(r => Task.Factory.StartNew(() =>
            {
                using var store = r == 0 ? null : TcpStore.Connect("127.0.0.1", server.Port, timeout);
                return ProcessGroup.Join(new Rendezvous("127.0.0.1", server.Port, worldId, r, size, timeout), Device.Cpu, store ?? server);
            }, TaskCreationOptions.LongRunning))
            .ToArray();
        Assert.True(Task.WaitAll(joins, TimeSpan.FromSeconds(30)), $"a world of {size} did not form within 30 s");
        return joins.Select(j => j.Result).ToList();
    }
}
