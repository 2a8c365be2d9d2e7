using System.Globalization;
using Distributed.Collectives.TestHost;
using Distributed.Trainer.Collectives;
using Distributed.Trainer.Torch;

// One rank of a test world on loopback. Every check prints one line, "CHECK <name> OK|FAIL <detail>", that
// tests/Collectives.Tests reads; the exit code is 0 only when every check passed.
//   suite   --port P --rank R --world N [--world-id W] [--timeout-ms T]   all-reduce, broadcast, barrier, all-gather, a second world
//   reducer --port P --rank R --world N ...                               the gradient-bucket reducer against one process over all ranks' batches
//   loop    --port P --rank R --world N ... [--elements E]                all-reduces until one fails; prints how and when, then disposes the group
var mode = args.Length > 0 ? args[0] : "";
var options = Options.Parse(args.Skip(1).ToArray());
LibTorch.ConfigureThreads(1); // every rank of a world shares the test machine's cores
var report = new Report(options.Rank);
try
{
    switch (mode)
    {
        case "suite":
            Suite.Run(options, report);
            break;
        case "reducer":
            ReducerCheck.Run(options, report);
            break;
        case "loop":
            FailureLoop.Run(options);
            break;
        default:
            Console.Error.WriteLine($"unknown mode '{mode}': expected suite, reducer or loop");
            return 2;
    }
}
catch (Exception e)
{
    report.Fail("unexpected", e.ToString().ReplaceLineEndings(" | "));
}
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"DONE rank={options.Rank} failures={report.Failures}"));
return report.Failures == 0 ? 0 : 1;
