namespace Distributed.Cluster.Tests.Chaos;

/// <summary>The failures the chaos suite injects (issue 11).</summary>
public enum ChaosScenario
{
    /// <summary>kill -9 of a worker's silo mid-step; the survivors go on, the restarted silo is taken back in.</summary>
    WorkerKill,

    /// <summary>kill -9 of the silo hosting the job grain; the workers keep training.</summary>
    CoordinatorKill,

    /// <summary>kill -9 of a worker's silo while its part of a checkpoint is uploading; that checkpoint never commits.</summary>
    CheckpointKill,

    /// <summary>SIGSTOP of a worker's silo: declared dead by membership, its peers' collective times out.</summary>
    WorkerPause,

    /// <summary>Azurite down for 10 s: training goes on, writes fail and succeed again.</summary>
    StorageOutage,

    /// <summary>Three worker silos killed one after another: down to the minimum world, then below it; the job restores its last checkpoint from blob storage.</summary>
    ThreeKills,
}
