using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;

namespace Distributed.Dashboard;

/// <summary>
/// Ids from URLs are checked against a strict pattern before they reach a grain (they become grain keys, and a job's
/// id also names its checkpoint folder): letters, digits, '.', '_' and '-', starting with a letter or digit, 1 to 64
/// characters. Nothing else from a URL is used but integers parsed as such.
/// </summary>
public static partial class DashboardIds
{
    public const string Pattern = "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$";

    public static bool IsValidJobId([NotNullWhen(true)] string? id) => id is not null && JobId().IsMatch(id) && !id.Contains("..", StringComparison.Ordinal);

    [GeneratedRegex(Pattern, RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 100)]
    private static partial Regex JobId();
}
