// Each test class starts Azurite and three silo processes; on a 2-core machine clusters side by side would starve each
// other's membership probes, so test classes run one after another.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
