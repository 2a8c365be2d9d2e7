using System.Text.RegularExpressions;

namespace Distributed.Trainer.Models;

/// <summary>
/// Translates parameter names between our modules and a Hugging Face layout, from a table of patterns in
/// which "{i}" stands for a layer index.
/// </summary>
public sealed class HfNameMap
{
    private readonly (Regex Ours, string OursPattern, Regex Hf, string HfPattern)[] _rows;

    public HfNameMap(IEnumerable<(string Ours, string Hf)> table) =>
        _rows = table.Select(r => (Compile(r.Ours), r.Ours, Compile(r.Hf), r.Hf)).ToArray();

    public string ToHf(string ours) => Translate(ours, r => r.Ours, r => r.HfPattern, "our", "Hugging Face");

    public string FromHf(string hf) => Translate(hf, r => r.Hf, r => r.OursPattern, "Hugging Face", "our");

    public bool TryFromHf(string hf, out string ours)
    {
        foreach (var row in _rows)
        {
            var m = row.Hf.Match(hf);
            if (!m.Success) continue;
            ours = Fill(row.OursPattern, m);
            return true;
        }
        ours = "";
        return false;
    }

    private string Translate(string name, Func<(Regex Ours, string OursPattern, Regex Hf, string HfPattern), Regex> from,
        Func<(Regex Ours, string OursPattern, Regex Hf, string HfPattern), string> to, string fromKind, string toKind)
    {
        foreach (var row in _rows)
        {
            var m = from(row).Match(name);
            if (m.Success) return Fill(to(row), m);
        }
        throw new KeyNotFoundException($"no {toKind} name for the {fromKind} parameter '{name}': the name table has no row for it");
    }

    private static string Fill(string pattern, Match m) => pattern.Replace("{i}", m.Groups["i"].Value, StringComparison.Ordinal);

    private static Regex Compile(string pattern) =>
        new("^" + Regex.Escape(pattern).Replace(@"\{i}", @"(?<i>\d+)", StringComparison.Ordinal) + "$", RegexOptions.CultureInvariant);
}
