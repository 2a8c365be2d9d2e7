namespace Distributed.Bench.AutoCompressorBench;

/// <summary>
/// AutoCompressor training throughput against the PyTorch references of ../shared/bench, on their workload and
/// with their flags. Without --world: the model's step alone on one GPU (<see cref="SingleStepBench"/>, against
/// ref_autocompressor_step.py). With --world W (or under torchrun): one rank of the cluster worker's data-parallel
/// session (<see cref="DataParallelBench"/>, against ref_autocompressor_ddp.py). Usage: see <see cref="BenchOptions.Usage"/>.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        BenchOptions options;
        try
        {
            options = BenchOptions.Parse(args, Environment.GetEnvironmentVariable);
        }
        catch (BenchUsageException e)
        {
            Console.Error.WriteLine(e.Message);
            return e.Problems.Count == 0 ? 0 : 2;
        }
        return options.World is null ? SingleStepBench.Run(options) : DataParallelBench.Run(options);
    }
}
