namespace Distributed.Trainer.Tests;

/// <summary>
/// Real English prose for the training tests, as UTF-8 byte tokens: the licence texts of Debian's base-files
/// (/usr/share/common-licenses, on every Debian and Ubuntu machine). Their long, self-similar documents give
/// the small models of these tests a clearer signal than short quotations do.
/// </summary>
internal static class EnglishText
{
    private const string Folder = "/usr/share/common-licenses";

    private static readonly Lazy<long[]> Cached = new(() =>
    {
        var bytes = Directory.GetFiles(Folder).Where(File.Exists).Order(StringComparer.Ordinal)
            .SelectMany(File.ReadAllBytes).Select(b => (long)b).ToArray();
        return bytes.Length > 100_000 ? bytes : throw new FileNotFoundException($"{Folder} (Debian package base-files) is missing or incomplete");
    });

    public static long[] Bytes => Cached.Value;
}
