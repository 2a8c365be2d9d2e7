using System.Text.RegularExpressions;
using Distributed.Trainer.Torch;

namespace Distributed.Trainer.Nn;

/// <summary>
/// A low-rank update of a <see cref="Linear"/> (LoRA, as PEFT does it): y = x W^T + b + (α / r) · x A^T B^T, with A
/// (r, in) uniform in ±1/sqrt(in) and B (out, r) zero, so a fresh adapter changes nothing. It can be switched off
/// (the ICAE decoder is the same weights without it) and merged into W for inference.
/// </summary>
public sealed class LoraAdapter : Module
{
    public LoraAdapter(long inFeatures, long outFeatures, int rank, double alpha, Generator? generator)
    {
        if (rank < 1) throw new ArgumentOutOfRangeException(nameof(rank), rank, "LoRA rank must be at least 1");
        var bound = 1.0 / Math.Sqrt(inFeatures);
        A = RegisterParameter("a", ParameterInit.Uniform(Tensor.Empty([rank, inFeatures]), bound, generator));
        B = RegisterParameter("b", Tensor.Zeros([outFeatures, rank]));
        Scaling = alpha / rank;
    }

    public Parameter A { get; }

    public Parameter B { get; }

    public double Scaling { get; }

    /// <summary>Off: the layer computes with its base weights only.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>True while B·A·scaling has been added into the base weight.</summary>
    public bool Merged { get; internal set; }

    public Tensor Forward(Tensor x) => Functional.Linear(Functional.Linear(x, A.Data), B.Data) * Scaling;

    /// <summary>scaling · B A, (out, in).</summary>
    internal Tensor Delta() => B.Data.MatMul(A.Data) * Scaling;
}

/// <summary>Attaches LoRA adapters to the Linear layers whose dotted names match, and switches them together.</summary>
public static class Lora
{
    /// <summary>Our names of the query and value projections (the ICAE paper's and PEFT's usual targets).</summary>
    public static readonly string[] QueryValue = [@"(^|\.)attn\.q$", @"(^|\.)attn\.v$"];

    /// <summary>Adds an adapter to every Linear of <paramref name="root"/> whose name matches one of the patterns.</summary>
    public static IReadOnlyList<LoraAdapter> Apply(Module root, IEnumerable<string> targetPatterns, int rank, double alpha, Generator? generator = null)
    {
        var patterns = targetPatterns.Select(p => new Regex(p, RegexOptions.CultureInvariant)).ToList();
        var targets = root.NamedModules().Where(m => m.Module is Linear && patterns.Any(p => p.IsMatch(m.Name))).ToList();
        if (targets.Count == 0)
            throw new ArgumentException($"no Linear layer matches the LoRA targets [{string.Join(", ", patterns)}]", nameof(targetPatterns));
        return targets.Select(t => ((Linear)t.Module).AttachLora(rank, alpha, generator)).ToList();
    }

    public static IEnumerable<LoraAdapter> Adapters(Module root) => root.Modules().OfType<LoraAdapter>();

    public static void SetEnabled(Module root, bool enabled)
    {
        foreach (var a in Adapters(root)) a.Enabled = enabled;
    }

    /// <summary>Folds every adapter into its base weight (the outputs stay the same).</summary>
    public static void Merge(Module root)
    {
        foreach (var linear in root.Modules().OfType<Linear>()) linear.MergeLora();
    }

    /// <summary>Takes every merged adapter back out of its base weight.</summary>
    public static void Unmerge(Module root)
    {
        foreach (var linear in root.Modules().OfType<Linear>()) linear.UnmergeLora();
    }
}
