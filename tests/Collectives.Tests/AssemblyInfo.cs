// The tests start several rank processes each and measure detection times: one at a time on a 2-core machine.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
