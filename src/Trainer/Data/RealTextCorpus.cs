using System.Text;

namespace Distributed.Trainer.Data;

/// <summary>
/// Real English prose on a fresh machine: the Debian package "fortunes" (about 2.7 MB of quotations, jokes and
/// short essays under /usr/share/games/fortunes), installed by infra/setup.d/35-corpus.sh. Each fortune, between
/// lines holding a single "%", is one document.
/// </summary>
public static class RealTextCorpus
{
    public const string DebianPackage = "fortunes";

    public const string DefaultDirectory = "/usr/share/games/fortunes";

    /// <summary>The corpus's text files, sorted by name; throws with the setup hint when it is not installed.</summary>
    public static IReadOnlyList<string> Locate(string directory = DefaultDirectory)
    {
        var files = Directory.Exists(directory)
            ? Directory.EnumerateFiles(directory)
                .Where(f => Path.GetExtension(f) is "" && !new FileInfo(f).Attributes.HasFlag(FileAttributes.ReparsePoint))
                .Order(StringComparer.Ordinal)
                .ToList()
            : [];
        if (files.Count == 0)
        {
            throw new FileNotFoundException(
                $"no corpus text under {directory}: install the Debian package \"{DebianPackage}\" (run infra/setup.sh, step 35-corpus.sh)");
        }
        return files;
    }

    /// <summary>The fortunes of all files, in file order, without empty ones.</summary>
    public static IEnumerable<string> ReadDocuments(string directory = DefaultDirectory)
    {
        foreach (var file in Locate(directory))
        {
            var current = new StringBuilder();
            foreach (var line in File.ReadLines(file, Encoding.UTF8))
            {
                if (line == "%")
                {
                    if (current.Length > 0)
                    {
                        yield return current.ToString();
                    }
                    current.Clear();
                    continue;
                }
                current.Append(line).Append('\n');
            }
            if (current.Length > 0)
            {
                yield return current.ToString();
            }
        }
    }

    /// <summary>Writes the documents as JSONL ({"text": ...} per line), the tokenize pipeline's input.</summary>
    public static async Task<int> WriteJsonlAsync(string path, string directory = DefaultDirectory, CancellationToken cancellationToken = default)
    {
        var count = 0;
        await using var writer = new StreamWriter(path, append: false, new UTF8Encoding(false));
        foreach (var doc in ReadDocuments(directory))
        {
            cancellationToken.ThrowIfCancellationRequested();
            await writer.WriteLineAsync(System.Text.Json.JsonSerializer.Serialize(new { text = doc })).ConfigureAwait(false);
            count++;
        }
        return count;
    }
}
