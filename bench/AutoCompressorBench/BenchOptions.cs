using System.Globalization;

namespace Distributed.Bench.AutoCompressorBench;

/// <summary>
/// The bench's command line. The workload flags are the reference scripts' own (../shared/bench/ref_autocompressor_step.py
/// and ref_autocompressor_ddp.py: --size, --substeps, --segs-per-substep, --seglen, --kappa, --steps), so a script passes
/// one argument string to both sides. --world (or torchrun's WORLD_SIZE) selects the data-parallel mode; rank, local
/// rank and the store address come from flags, else from torchrun's RANK, LOCAL_RANK, MASTER_ADDR and MASTER_PORT.
/// </summary>
public sealed record BenchOptions
{
    public const string Usage =
        "usage: autocompressor-bench [--size 125m|350m|1.3b|2.7b|6.7b|tiny] [--substeps N] [--segs-per-substep N] [--seglen N] [--kappa N] [--steps N]\n" +
        "         single GPU, the model's step alone:   [--batch N]\n" +
        "         data-parallel, the worker's session:  --world W [--rank R] [--local-rank L] [--master-addr HOST] [--port P] [--warmup N]\n" +
        "                                               [--global-batch N] [--device cuda|cpu] [--dtype bf16|f32] [--lr X] [--vocab N] [--seed N]\n" +
        "                                               [--timeout-s S] [--report-weights]\n" +
        "       rank, world and store address default to torchrun's RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT.";

    /// <summary>OPT shapes by name (layers, hidden, heads), as the reference scripts name them; "tiny" is for CPU checks.</summary>
    public static readonly IReadOnlyDictionary<string, (int Layers, int Hidden, int Heads)> Sizes = new Dictionary<string, (int, int, int)>
    {
        ["tiny"] = (2, 32, 4),
        ["125m"] = (12, 768, 12),
        ["350m"] = (24, 1024, 16),
        ["1.3b"] = (24, 2048, 32),
        ["2.7b"] = (32, 2560, 32),
        ["6.7b"] = (32, 4096, 32),
    };

    public string Size { get; init; } = "1.3b";

    public int Substeps { get; init; } = 1;

    public int SegmentsPerSubstep { get; init; } = 2;

    public int SegmentLength { get; init; } = 2048;

    public int Kappa { get; init; } = 50;

    /// <summary>Timed documents (steps) after the warm-up.</summary>
    public int Steps { get; init; } = 5;

    /// <summary>Single mode: documents per step as the tensor's batch dimension.</summary>
    public int Batch { get; init; } = 1;

    public int Vocabulary { get; init; } = 50272;

    /// <summary>Null: the single-GPU mode. Otherwise the data-parallel world size.</summary>
    public int? World { get; init; }

    public int Rank { get; init; }

    public int LocalRank { get; init; }

    public string MasterAddress { get; init; } = "127.0.0.1";

    public int Port { get; init; } = 29500;

    /// <summary>torchrun's agent already serves the TCPStore at the master address: every rank connects to it.</summary>
    public bool AgentStore { get; init; }

    /// <summary>Untimed documents first (the reference runs 2).</summary>
    public int Warmup { get; init; } = 2;

    /// <summary>Documents per step over all ranks; null: one per rank, as the reference.</summary>
    public int? GlobalBatch { get; init; }

    public bool Cpu { get; init; }

    public string DType { get; init; } = "bf16";

    public double Lr { get; init; } = 1e-5;

    public int Seed { get; init; }

    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(300);

    /// <summary>Print float64 sums of every weight at the end (for equivalence checks of small models).</summary>
    public bool ReportWeights { get; init; }

    public (int Layers, int Hidden, int Heads) Shape => Sizes[Size];

    public int Segments => Substeps * SegmentsPerSubstep;

    public int DocumentTokens => Segments * SegmentLength;

    public int EffectiveGlobalBatch => GlobalBatch ?? World ?? Batch;

    /// <summary>The reference's max_position_embeddings: a segment, the summaries of every segment and its own, plus slack.</summary>
    public int MaxPositions => SegmentLength + (Kappa * (Segments + 1)) + 8;

    /// <summary>Parses flags, falling back to torchrun's variables from <paramref name="environment"/>; throws <see cref="BenchUsageException"/> listing every problem.</summary>
    public static BenchOptions Parse(IReadOnlyList<string> args, Func<string, string?> environment)
    {
        var problems = new List<string>();
        var flags = new Dictionary<string, string>(StringComparer.Ordinal);
        string[] switches = ["--report-weights", "--allreduce"];
        for (var i = 0; i < args.Count; i++)
        {
            var a = args[i];
            if (a is "--help" or "-h") throw new BenchUsageException([]);
            if (!a.StartsWith("--", StringComparison.Ordinal))
            {
                problems.Add($"'{a}' is not a flag");
                continue;
            }
            if (switches.Contains(a))
            {
                flags[a] = "";
                continue;
            }
            if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                problems.Add($"{a} needs a value");
                continue;
            }
            flags[a] = args[++i];
        }

        string? Text(string flag, string? variable = null) =>
            flags.Remove(flag, out var v) ? v : variable is null ? null : environment(variable) is { Length: > 0 } e ? e : null;
        int? Int(string flag, int min, string? variable = null)
        {
            var from = flags.ContainsKey(flag) ? flag : variable;
            if (Text(flag, variable) is not { } text) return null;
            if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) || n < min)
            {
                problems.Add($"{from} '{text}': expected a whole number of at least {min}");
                return null;
            }
            return n;
        }

        if (flags.Remove("--allreduce", out _))
            problems.Add("--allreduce: the all-reduce bandwidth is measured by bench/AllReduceBench (infra/gpu/allreduce-bench.sh), not here");
        var size = Text("--size") ?? "1.3b";
        if (!Sizes.ContainsKey(size)) problems.Add($"--size '{size}': expected one of {string.Join(", ", Sizes.Keys)}");
        var world = Int("--world", 1, "WORLD_SIZE");
        var rank = Int("--rank", 0, "RANK") ?? 0;
        var localRank = Int("--local-rank", 0, "LOCAL_RANK") ?? rank;
        var device = Text("--device") ?? "cuda";
        if (device is not ("cuda" or "cpu")) problems.Add($"--device '{device}': expected cuda (rank r on cuda:LOCAL_RANK) or cpu (Gloo)");
        var dtype = Text("--dtype") ?? (device == "cpu" ? "f32" : "bf16");
        if (dtype is not ("bf16" or "f32" or "f64")) problems.Add($"--dtype '{dtype}': expected bf16, f32 or f64");
        var lrText = Text("--lr");
        var lr = 1e-5;
        if (lrText is not null && (!double.TryParse(lrText, NumberStyles.Float, CultureInfo.InvariantCulture, out lr) || lr <= 0 || !double.IsFinite(lr)))
            problems.Add($"--lr '{lrText}': expected a positive number");
        var timeout = Int("--timeout-s", 1) ?? 300;
        var options = new BenchOptions
        {
            Size = size,
            Substeps = Int("--substeps", 1) ?? 1,
            SegmentsPerSubstep = Int("--segs-per-substep", 1) ?? 2,
            SegmentLength = Int("--seglen", 2) ?? 2048,
            Kappa = Int("--kappa", 1) ?? 50,
            Steps = Int("--steps", 1) ?? 5,
            Batch = Int("--batch", 1) ?? 1,
            Vocabulary = Int("--vocab", 2) ?? 50272,
            World = world,
            Rank = rank,
            LocalRank = localRank,
            MasterAddress = Text("--master-addr", "MASTER_ADDR") ?? "127.0.0.1",
            Port = Int("--port", 1, "MASTER_PORT") ?? 29500,
            AgentStore = string.Equals(environment("TORCHELASTIC_USE_AGENT_STORE"), "True", StringComparison.OrdinalIgnoreCase),
            Warmup = Int("--warmup", 0) ?? 2,
            GlobalBatch = Int("--global-batch", 1),
            Cpu = device == "cpu",
            DType = dtype,
            Lr = lr,
            Seed = Int("--seed", 0) ?? 0,
            Timeout = TimeSpan.FromSeconds(timeout),
            ReportWeights = flags.Remove("--report-weights"),
        };
        problems.AddRange(flags.Keys.Select(f => $"{f}: not a flag of this bench"));
        if (options.Port > 65535) problems.Add($"--port {options.Port}: a TCP port is at most 65535");
        if (world is { } w)
        {
            if (rank >= w) problems.Add($"rank {rank} is outside a world of {w} (--rank, RANK)");
            if (options.EffectiveGlobalBatch < w)
                problems.Add($"--global-batch {options.EffectiveGlobalBatch} gives a rank of the world of {w} no document: use at least {w}");
            if (args.Contains("--batch")) problems.Add("--batch is the single-GPU mode's tensor batch; with --world use --global-batch (documents per step over all ranks)");
        }
        else
        {
            string[] worldOnly = ["--rank", "--local-rank", "--master-addr", "--port", "--warmup", "--global-batch", "--device", "--dtype", "--lr", "--vocab", "--seed", "--timeout-s", "--report-weights"];
            var given = worldOnly.Where(args.Contains).ToList();
            if (given.Count > 0) problems.Add($"{string.Join(", ", given)}: data-parallel flags; add --world W (or run under torchrun)");
        }
        if (problems.Count > 0) throw new BenchUsageException(problems);
        return options;
    }

    /// <summary>One line saying what runs: the workload both sides must share, and how this side runs it.</summary>
    public string Describe(long parameters) =>
        $"OPT-{Size} shapes ({parameters:N0} parameters, {Shape.Layers} layers, hidden {Shape.Hidden}, {Shape.Heads} heads, vocabulary {Vocabulary}, " +
        $"max positions {MaxPositions}); documents of {DocumentTokens:N0} tokens = {Substeps} substeps x {SegmentsPerSubstep} segments x {SegmentLength} tokens; " +
        $"kappa {Kappa}; {DType}";
}

/// <summary>Bad command-line input: every problem, and the usage.</summary>
public sealed class BenchUsageException(IReadOnlyList<string> problems)
    : Exception(problems.Count == 0 ? BenchOptions.Usage : $"autocompressor-bench: {string.Join("; ", problems)}\n{BenchOptions.Usage}")
{
    public IReadOnlyList<string> Problems { get; } = problems;
}
