using Orleans.Configuration;

namespace Distributed.Silo.Hosting;

/// <summary>
/// Membership tuned to notice a dead silo in seconds (Orleans' defaults take 6-13 s on this machine, these take
/// about 1 s from kill -9 to a call served elsewhere; shared/notes/orleans-10.4.2.md §4). The price of each value
/// is written beside it: faster detection means more probe traffic and a higher chance of declaring a slow but
/// alive silo dead (which then stops itself; its grains re-activate elsewhere from storage).
/// </summary>
public static class MembershipTuning
{
    public static void Apply(ClusterMembershipOptions o)
    {
        // A probe unanswered for 1 s counts as missed (default 5 s). Cost: a silo stalled longer than ~2 s (a long GC,
        // a swapped VM, a saturated 2-core box) gets suspected; real work never runs on the scheduler threads that
        // answer probes (GPU work has its own threads), so a busy silo still answers.
        o.ProbeTimeout = TimeSpan.FromSeconds(1);
        // Two missed probes in a row make a suspicion (default 3). Cost: one dropped packet plus one slow answer suffice.
        o.NumMissedProbesLimit = 2;
        // One suspicion declares a silo dead (default 2). Cost: no second opinion, so one silo with a broken link
        // can evict a healthy one; acceptable for clusters of a few GPU hosts on one network, where waiting for a
        // second vote is the larger cost (training stalls while a dead worker holds its rank).
        o.NumVotesForDeathDeclaration = 1;
        // Read the membership table every 2 s (default 60 s): silos and clients learn about deaths and joins that
        // gossip missed. Cost: one table query per silo every 2 s (trivial for Azure Table at this cluster size).
        o.TableRefreshTimeout = TimeSpan.FromSeconds(2);
        // Write "I am alive" every 5 s (default 30 s): clients and new silos see stale entries sooner. Cost: one
        // table write per silo every 5 s.
        o.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(5);
        // Old suspicion votes expire after 30 s (default 2 min), so votes from a past hiccup do not add up with a new one.
        o.DeathVoteExpirationTimeout = TimeSpan.FromSeconds(30);
    }
}
