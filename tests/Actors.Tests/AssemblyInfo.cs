// Cluster tests start etcd and three silo processes each; on a 2-core machine running them side by side starves the
// silos' lease keep-alives, so test classes run one after another.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
