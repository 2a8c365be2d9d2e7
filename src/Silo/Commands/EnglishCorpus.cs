namespace Distributed.Silo.Commands;

/// <summary>Real English prose that every Debian/Ubuntu machine has: the licence texts of base-files.</summary>
public static class EnglishCorpus
{
    private const string Folder = "/usr/share/common-licenses";

    public static string[] Locate()
    {
        if (!Directory.Exists(Folder))
            throw new FileNotFoundException($"{Folder} is missing (Debian package base-files); pass --text FILE... instead");
        return Directory.GetFiles(Folder).Where(f => !Directory.Exists(f)).Order(StringComparer.Ordinal).ToArray();
    }
}
