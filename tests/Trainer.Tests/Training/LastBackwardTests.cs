using Distributed.Trainer.Nn;
using Distributed.Trainer.Torch;
using Distributed.Trainer.Training;

namespace Distributed.Trainer.Tests.Training;

// When the step arms its gradient sync: right before the step's last backward pass, which the objective announces.
// A sync that reduces buckets as backward finishes them (CollectiveGradientSync) needs exactly that moment: armed
// earlier, an AutoCompressor document's later substeps would add gradients to buckets already being reduced.
public sealed class LastBackwardTests
{
    [Theory]
    [InlineData("autocompressor", true)] // 2 substeps per document: the first one's gradient is there when the sync is armed
    [InlineData("icae", false)]
    [InlineData("lm", false)]             // one backward per micro-batch: nothing accumulated yet
    public async Task The_sync_is_armed_once_per_step_right_before_the_last_backward_pass(string objective, bool earlierPasses)
    {
        var job = TinyJobs.Job(objective) with { MicroBatch = null, Batch = 4 }; // one micro-batch: every pass in one ForwardBackward
        var sync = new RecordingSync();
        using var session = await TinyJobs.SessionAsync(job, sync: sync);
        for (var step = 0; step < 2; step++)
        {
            session.Step();
            Assert.Equal(step + 1, sync.Armed.Count);
            Assert.Equal(step + 1, sync.Finished.Count);
            var (atArming, atEnd) = (sync.Armed[^1], sync.Finished[^1]);
            Assert.True(atEnd > 0, $"step {step + 1}: no gradient at the end of backward");
            if (earlierPasses)
            {
                // Armed after the earlier substeps' backward (their gradient is there) and before the last (it adds more).
                Assert.True(atArming > 0, $"step {step + 1}: armed before any backward pass had run");
                Assert.NotEqual(atArming, atEnd);
            }
            else if (objective == "lm")
            {
                Assert.Equal(0, atArming);
            }
        }
    }

    // Records the squared gradient norm when armed and when backward has finished; a world of one.
    private sealed class RecordingSync : IGradientSync
    {
        public List<double> Armed { get; } = [];

        public List<double> Finished { get; } = [];

        public int WorldSize => 1;

        public void LastBackwardStarting(FlatParameters parameters) => Armed.Add(SquaredNorm(parameters));

        public void LastBackwardFinished(FlatParameters parameters) => Finished.Add(SquaredNorm(parameters));

        public void AllReduceSum(Span<double> values)
        {
        }

        public void Broadcast(Tensor tensor, int root)
        {
        }

        private static double SquaredNorm(FlatParameters parameters) =>
            parameters.TrainableBuckets.Sum(b => b.Grad!.ToDoubleArray().Sum(x => x * x));
    }
}
