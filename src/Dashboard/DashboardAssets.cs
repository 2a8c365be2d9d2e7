namespace Distributed.Dashboard;

/// <summary>The page's files, embedded in the assembly and served by name from a fixed list (no path from a URL reaches the file system).</summary>
internal static class DashboardAssets
{
    private static readonly Dictionary<string, Asset> Files = new(StringComparer.Ordinal)
    {
        ["dashboard.js"] = Load("dashboard.js", "text/javascript; charset=utf-8"),
        ["dashboard.css"] = Load("dashboard.css", "text/css; charset=utf-8"),
    };

    public static string Shell { get; } = System.Text.Encoding.UTF8.GetString(Load("index.html", "text/html").Content);

    public static Asset? Get(string name) => Files.GetValueOrDefault(name);

    private static Asset Load(string name, string contentType)
    {
        using var stream = typeof(DashboardAssets).Assembly.GetManifestResourceStream("Distributed.Dashboard.Assets." + name)
            ?? throw new InvalidOperationException($"the dashboard asset {name} is not embedded in the assembly (a build problem)");
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        return new Asset(memory.ToArray(), contentType);
    }

    internal sealed record Asset(byte[] Content, string ContentType);
}
