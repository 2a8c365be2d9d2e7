using Distributed.Trainer.Nn;
using Distributed.Trainer.Torch;
using Distributed.Trainer.Torch.Interop;
using static Distributed.Trainer.Torch.Interop.NativeMethods;

namespace Distributed.Trainer.Collectives;

/// <summary>
/// Sums the flat gradient buckets of <see cref="FlatParameters"/> over a <see cref="ProcessGroup"/>, each as
/// soon as backward has finished writing it, overlapped with the rest of backward (what DDP's Reducer does):
/// a post-hook on every parameter's gradient accumulator counts the bucket down and launches its all-reduce.
/// Only the last backward of a step is synchronized, like DDP's no_sync for the others:
/// <code>
/// for each micro-batch but the last: loss.Backward();          // accumulates locally
/// reducer.BeginLastBackward(); lastLoss.Backward();            // buckets launch while backward runs
/// reducer.FinishAndWait();                                     // all summed; now clip and step
/// </code>
/// The all-reduce is a plain sum: scale the losses so that the sum is the gradient wanted (for the mean over
/// all ranks' samples, by 1 / (micro-batches x world size), or by the global token count).
/// Buckets launch in one fixed order, the same on every rank (collectives must match): at first the
/// buckets in reverse, then, after the first synchronized step, the order in which rank 0 saw them become
/// ready. Build it after <see cref="FlatParameters.Build"/> (the hooks sit on the parameters' bucket views),
/// and issue no other collective on the group between BeginLastBackward and FinishAndWait.
/// </summary>
public sealed unsafe class BucketAllReducer : IDisposable
{
    private readonly ProcessGroup _group;
    private readonly ReducerHandle _handle;
    private bool _orderSettled;
    private bool _armed;

    public BucketAllReducer(FlatParameters parameters, ProcessGroup group)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(group);
        _group = group;
        Buckets = parameters.TrainableBuckets.ToList();
        if (Buckets.Count == 0) throw new ArgumentException("the parameters have no trainable bucket to reduce", nameof(parameters));
        if (parameters.Device != group.Device)
            throw new ArgumentException($"the parameters are on {parameters.Device} but the {group.Backend} group works on {group.Device}", nameof(parameters));
        group.ThrowIfAborted("BucketAllReducer");
        var grads = Buckets.Select(b => b.Grad!).ToList();
        var owners = Buckets.SelectMany((b, i) => b.Parameters.Select(p => (p.Parameter, Bucket: i))).ToList();
        var bucketOf = owners.Select(o => o.Bucket).ToArray();
        _handle = Tensor.WithHandles(grads, g => Tensor.WithHandles(owners.Select(o => o.Parameter.Data).ToList(), p =>
        {
            fixed (nint* gp = g)
            fixed (nint* pp = p)
            fixed (int* bp = bucketOf)
            {
                var rc = dst_dist_reducer_new(group.Handle, gp, g.Length, pp, bp, p.Length, out var h);
                if (rc != 0)
                {
                    h.Dispose();
                    Check.Throw(nameof(BucketAllReducer));
                }
                return h;
            }
        }));
        LaunchOrder = Enumerable.Range(0, Buckets.Count).Reverse().ToArray();
    }

    /// <summary>The trainable buckets, in FlatParameters' order; timings and launch order index them.</summary>
    public IReadOnlyList<ParameterBucket> Buckets { get; }

    /// <summary>The order in which the buckets' all-reduces are launched (bucket indices).</summary>
    public IReadOnlyList<int> LaunchOrder { get; private set; }

    /// <summary>Timings of the last synchronized step (null before the first).</summary>
    public BucketTimings? LastTimings { get; private set; }

    public ProcessGroup Group => _group;

    /// <summary>Call right before the last backward of a step: from then on each finished bucket is all-reduced.</summary>
    public void BeginLastBackward()
    {
        const string op = nameof(BeginLastBackward);
        _group.ThrowIfAborted(op);
        if (dst_dist_reducer_arm(_handle) != 0) throw _group.Failure(op);
        _armed = true;
    }

    /// <summary>
    /// Call after the last backward: launches what backward did not (buckets with an unused parameter),
    /// then waits until every bucket is summed. A lost peer, a timeout or an abort throws a
    /// <see cref="CollectiveException"/> naming the bucket. <paramref name="timeout"/> bounds each bucket's
    /// wait on the host (see <see cref="CollectiveWork.Wait"/>).
    /// </summary>
    public void FinishAndWait(TimeSpan? timeout = null)
    {
        const string op = "AllReduceSum(gradient buckets)";
        if (!_armed) throw new InvalidOperationException("FinishAndWait without BeginLastBackward: call BeginLastBackward before the last backward of the step");
        _armed = false;
        CollectiveException? failure = null;
        if (dst_dist_reducer_finish(_handle) != 0) failure = _group.Failure(op);
        // Every launched bucket is waited for, even after a failure: nothing may still read the gradients.
        foreach (var b in LaunchOrder)
        {
            if (dst_dist_reducer_work(_handle, b, out var handle) != 0)
            {
                handle.Dispose();
                failure ??= _group.Failure(op);
                continue;
            }
            if (handle.IsInvalid)
            {
                handle.Dispose();
                continue;
            }
            using var work = new CollectiveWork(_group, $"{op}, bucket {b}", handle);
            try
            {
                work.Wait(timeout);
            }
            catch (CollectiveException e)
            {
                failure ??= e;
            }
        }
        LastTimings = ReadTimings();
        if (failure is not null) throw failure;
        if (!_orderSettled) SettleOrder(LastTimings);
    }

    /// <summary>Sums host values over every rank in float64 (loss sums, token counts); not between BeginLastBackward and FinishAndWait.</summary>
    public void AllReduceScalars(Span<double> values)
    {
        if (_armed) throw new InvalidOperationException("AllReduceScalars between BeginLastBackward and FinishAndWait would interleave with the bucket all-reduces");
        _group.AllReduceSum(values);
    }

    public void Dispose() => _handle.Dispose();

    // Rank 0's ready order becomes everyone's launch order (buckets that never became ready go last, in
    // reverse): one small broadcast, once.
    private void SettleOrder(BucketTimings timings)
    {
        var observed = timings.ReadyOrder.Concat(Enumerable.Range(0, Buckets.Count).Reverse().Except(timings.ReadyOrder))
            .Select(b => (long)b).ToArray();
        using var scope = TensorScope.Begin();
        var t = Tensor.FromArray(observed).To(_group.Device);
        _group.Broadcast(t, root: 0);
        var order = t.ToLongArray().Select(b => (int)b).ToArray();
        fixed (int* p = order)
            Check.Ok(dst_dist_reducer_set_order(_handle, p, order.Length), nameof(LaunchOrder));
        LaunchOrder = order;
        _orderSettled = true;
    }

    private BucketTimings ReadTimings()
    {
        var n = Buckets.Count;
        var ready = new long[n];
        var launch = new long[n];
        var order = new int[n];
        long finish;
        int count;
        fixed (long* r = ready)
        fixed (long* l = launch)
        fixed (int* o = order)
            Check.Ok(dst_dist_reducer_stats(_handle, r, l, o, out count, out finish), nameof(LastTimings));
        return new BucketTimings(ready, launch, order[..count], finish);
    }
}
