using Distributed.Trainer.Nn;
using Distributed.Trainer.Torch;
using Distributed.Trainer.Training;

namespace Distributed.Trainer.Collectives;

/// <summary>
/// The training step's <see cref="IGradientSync"/> over c10d: the session's flat gradient buckets are summed by a
/// <see cref="BucketAllReducer"/> as the last backward of each step finishes them, and scalars (loss sums, token
/// counts) by the group's own all-reduce. The reducer is built on first use, once the session's
/// <see cref="FlatParameters"/> exist, and stays bound to them: a session that rebuilt its parameters needs a new sync.
/// It owns neither the group nor the parameters; disposing it frees the reducer (its hooks) only.
/// The session arms it right before the step's very last backward pass, which the objective announces (an
/// AutoCompressor document runs one backward per substep: the earlier substeps accumulate locally, like DDP's
/// no_sync), so the buckets are reduced while the last substep's backward runs.
/// </summary>
public sealed class CollectiveGradientSync(ProcessGroup group, TimeSpan? bucketTimeout = null) : IGradientSync, IDisposable
{
    private BucketAllReducer? _reducer;
    private FlatParameters? _boundTo;

    public ProcessGroup Group => group;

    public int WorldSize => group.WorldSize;

    /// <summary>Per-bucket timings of the last synchronized step (null before the first).</summary>
    public BucketTimings? LastTimings => _reducer?.LastTimings;

    public void LastBackwardStarting(FlatParameters parameters) => Reducer(parameters).BeginLastBackward();

    public void LastBackwardFinished(FlatParameters parameters) => Reducer(parameters).FinishAndWait(bucketTimeout);

    public void AllReduceSum(Span<double> values)
    {
        if (_reducer is not null) _reducer.AllReduceScalars(values);
        else group.AllReduceSum(values);
    }

    public void Broadcast(Tensor tensor, int root) => group.Broadcast(tensor, root);

    public void Dispose()
    {
        _reducer?.Dispose();
        _reducer = null;
    }

    private BucketAllReducer Reducer(FlatParameters parameters)
    {
        if (_reducer is null)
        {
            _reducer = new BucketAllReducer(parameters, group);
            _boundTo = parameters;
        }
        else if (!ReferenceEquals(_boundTo, parameters))
        {
            throw new InvalidOperationException("CollectiveGradientSync is bound to another session's parameters: create one sync per TrainingSession");
        }
        return _reducer;
    }
}
