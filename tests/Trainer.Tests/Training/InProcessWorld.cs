using System.Runtime.InteropServices;
using Distributed.Trainer.Nn;
using Distributed.Trainer.Torch;
using Distributed.Trainer.Training;

namespace Distributed.Trainer.Tests.Training;

/// <summary>
/// W ranks of a data-parallel world in one process, each session on its own thread: the gradient sync sums every
/// rank's bucket gradients (and scalars) in rank order through a barrier, as an all-reduce would.
/// </summary>
internal sealed class InProcessWorld(int size)
{
    private readonly Barrier _barrier = new(size);
    private readonly object?[] _posted = new object?[size];

    public IGradientSync Rank(int rank) => new RankSync(this, rank);

    /// <summary>Calls to <see cref="IGradientSync.LastBackwardStarting"/> per rank (one per step).</summary>
    public int[] LastBackwardStarts { get; } = new int[size];

    private T[] Sum<T>(int rank, T[] values, Func<T, T, T> add)
    {
        _posted[rank] = values;
        _barrier.SignalAndWait(TimeSpan.FromMinutes(2));
        var sum = (T[])((T[])_posted[0]!).Clone();
        for (var r = 1; r < size; r++)
        {
            var other = (T[])_posted[r]!;
            for (var i = 0; i < sum.Length; i++) sum[i] = add(sum[i], other[i]);
        }
        // Nobody posts the next values before every rank has read these.
        _barrier.SignalAndWait(TimeSpan.FromMinutes(2));
        return sum;
    }

    private sealed class RankSync(InProcessWorld world, int rank) : IGradientSync
    {
        public int WorldSize => world._barrier.ParticipantCount;

        public void LastBackwardStarting(FlatParameters parameters) => world.LastBackwardStarts[rank]++;

        public void LastBackwardFinished(FlatParameters parameters)
        {
            foreach (var bucket in parameters.TrainableBuckets)
            {
                var grad = bucket.Grad!;
                if (grad.DType == DType.Float64)
                    grad.CopyFrom(MemoryMarshal.AsBytes(world.Sum(rank, grad.ToArray<double>(), (a, b) => a + b).AsSpan()));
                else
                    grad.CopyFrom(MemoryMarshal.AsBytes(world.Sum(rank, grad.ToArray<float>(), (a, b) => a + b).AsSpan()));
            }
        }

        public void AllReduceSum(Span<double> values) => world.Sum(rank, values.ToArray(), (a, b) => a + b).CopyTo(values);

        // Every rank takes the root's values: a sum in which only the root contributes.
        public void Broadcast(Tensor tensor, int root)
        {
            if (tensor.DType == DType.Float64)
                tensor.CopyFrom(MemoryMarshal.AsBytes(world.Sum(rank, rank == root ? tensor.ToArray<double>() : new double[tensor.NumEl], (a, b) => a + b).AsSpan()));
            else if (tensor.DType == DType.Float32)
                tensor.CopyFrom(MemoryMarshal.AsBytes(world.Sum(rank, rank == root ? tensor.ToArray<float>() : new float[tensor.NumEl], (a, b) => a + b).AsSpan()));
            else
                throw new NotSupportedException($"the in-process world broadcasts float32 and float64 tensors, not {tensor.DType}");
        }
    }

    /// <summary>Runs <paramref name="body"/> for every rank on its own thread and returns the results by rank.</summary>
    public static T[] Run<T>(int size, Func<int, T> body)
    {
        var results = new T[size];
        var errors = new Exception?[size];
        var threads = Enumerable.Range(0, size).Select(r => new Thread(() =>
        {
            try
            {
                results[r] = body(r);
            }
            catch (Exception e)
            {
                errors[r] = e;
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => Assert.True(t.Join(TimeSpan.FromMinutes(5)), "a rank did not finish in 5 minutes"));
        foreach (var e in errors) if (e is not null) throw new AggregateException(e);
        return results;
    }
}
