using System.Globalization;

namespace Distributed.Grains.Placement;

/// <summary>
/// The silo metadata entry that says which GPUs a silo owns: key <c>gpus</c>, value the global GPU indices,
/// comma-separated (<c>""</c> for a silo without GPUs). Every silo publishes the key, so a missing key means
/// "metadata not fetched yet", not "no GPUs".
/// </summary>
public static class SiloGpus
{
    public const string MetadataKey = "gpus";

    public static string Format(IEnumerable<int> gpus) => string.Join(',', gpus.Select(g => g.ToString(CultureInfo.InvariantCulture)));

    /// <summary>The GPU indices in a metadata value; an empty value is no GPUs.</summary>
    public static IReadOnlyList<int> Parse(string value) =>
        [.. value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(s => int.Parse(s, CultureInfo.InvariantCulture))];
}
