using System.CommandLine;
using System.CommandLine.Help;
using System.Globalization;
using Distributed.Trainer.Torch;
using Microsoft.Extensions.Logging;

namespace Distributed.Silo;

/// <summary>
/// Sizes libtorch's CPU thread pools once, at process start: `--threads N` (an option of every command), else
/// DISTRIBUTED_THREADS, else the physical cores this process may use. Logs what is in effect.
/// </summary>
internal static partial class CpuThreadsStartup
{
    public const string Variable = "DISTRIBUTED_THREADS";

    // Commands that never touch libtorch: they neither load it nor need the shim to be built.
    private static readonly string[] WithoutLibTorch = ["tokenize"];

    public static Option<int?> Option { get; } = new("--threads")
    {
        Description = $"CPU threads for libtorch (intra-op and BLAS); default: ${Variable}, else the physical cores",
        Recursive = true,
    };

    /// <summary>Configures the pools unless the command line is in error, asks for help, or names a command without libtorch.</summary>
    public static void Apply(ParseResult parse, ILogger logger)
    {
        if (parse.Errors.Count > 0 || parse.Action is HelpAction || WithoutLibTorch.Contains(parse.CommandResult.Command.Name)) return;
        var (threads, source) = Resolve(parse.GetValue(Option), Environment.GetEnvironmentVariable(Variable));
        var effective = LibTorch.ConfigureThreads(threads);
        LogThreads(logger, threads, source, effective.IntraOp, effective.InterOp, effective.Blas, effective.BlasThreads,
            effective.BlasLibrary ?? "the system's", effective.BlasConfig, effective.WaitPolicy);
        if (effective.Blas == BlasThreading.Pthreads && threads > 1) LogPthreadsBlas(logger);
    }

    /// <summary>The thread count and where it came from; bad values are errors in the user's words.</summary>
    public static (int Threads, string Source) Resolve(int? option, string? environment)
    {
        if (option is { } n)
        {
            return n >= 1 ? (n, "--threads") : throw new ArgumentException($"--threads {n}: give at least 1 thread");
        }
        if (!string.IsNullOrWhiteSpace(environment))
        {
            return int.TryParse(environment, NumberStyles.None, CultureInfo.InvariantCulture, out var e) && e >= 1
                ? (e, Variable)
                : throw new ArgumentException($"{Variable}={environment}: expected a whole number of threads, at least 1 (or unset it for the physical cores)");
        }
        return (CpuTopology.PhysicalCores(), "physical cores");
    }

    [LoggerMessage(Level = LogLevel.Information,
        Message = "CPU threads: {Threads} from {Source}; libtorch intra-op {IntraOp}, inter-op {InterOp}; BLAS {Blas} with {BlasThreads} threads ({BlasLibrary}: {BlasConfig}); idle threads: {WaitPolicy}")]
    private static partial void LogThreads(ILogger logger, int threads, string source, int intraOp, int interOp, BlasThreading blas, int blasThreads,
        string blasLibrary, string blasConfig, string waitPolicy);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "OpenBLAS runs its own pthreads pool, which competes with libtorch's: BLAS is held to 1 thread. Install libopenblas0-openmp (infra/setup.sh does) so that GEMMs share libtorch's threads")]
    private static partial void LogPthreadsBlas(ILogger logger);
}
