using System.Collections.Concurrent;

namespace Distributed.Trainer.Data;

/// <summary>An <see cref="IShardStore"/> in process memory: datasets built on the fly (the packaged corpus) and tests.</summary>
public sealed class MemoryShardStore : IShardStore
{
    private readonly ConcurrentDictionary<string, byte[]> _objects = new(StringComparer.Ordinal);

    public Task<Stream> OpenReadAsync(string name, CancellationToken cancellationToken = default) =>
        _objects.TryGetValue(name, out var bytes)
            ? Task.FromResult<Stream>(new MemoryStream(bytes, writable: false))
            : Task.FromException<Stream>(new FileNotFoundException($"no object \"{name}\" in the in-memory store", name));

    public async Task WriteAtomicAsync(string name, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken = default)
    {
        using var buffer = new MemoryStream();
        await write(buffer, cancellationToken).ConfigureAwait(false);
        _objects[name] = buffer.ToArray();
    }

    public Task<IReadOnlyList<string>> ListAsync(string prefix = "", CancellationToken cancellationToken = default)
    {
        IReadOnlyList<string> names = [.. _objects.Keys.Where(n => n.StartsWith(prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal)];
        return Task.FromResult(names);
    }
}
