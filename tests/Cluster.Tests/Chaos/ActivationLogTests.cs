namespace Distributed.Cluster.Tests.Chaos;

/// <summary>The chaos suite's two-activations check can fail: overlapping runs of one grain are found, hand-overs are not.</summary>
public sealed class ActivationLogTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 10, 0, 0, TimeSpan.Zero);

    private static ActivationLog.Activation Run(string id, string grain, string silo, double from, double until) =>
        new(id, grain, silo, T0.AddSeconds(from), T0.AddSeconds(until));

    [Fact]
    public void A_grain_running_on_two_silos_at_once_is_reported_and_a_hand_over_is_not()
    {
        var activations = new[]
        {
            Run("@a", "checkpoint/job-1", "s1", 0, 10), // its silo killed at 10 s
            Run("@b", "checkpoint/job-1", "s2", 10.2, 30), // re-activated after the kill: a hand-over
            Run("@c", "job/job-1", "s1", 0, 10),
            Run("@d", "job/job-1", "s3", 9.5, 30), // began while @c still ran
            Run("@e", "worker/0", "s2", 0, 30),
        };
        var overlaps = ActivationLog.Overlaps(activations, T0);
        var only = Assert.Single(overlaps);
        Assert.StartsWith("job/job-1: activation @c on s1", only);
        Assert.Contains("@d on s3", only);
        Assert.Empty(ActivationLog.Overlaps(activations, T0.AddSeconds(11))); // @c had stopped before that run began
    }
}
