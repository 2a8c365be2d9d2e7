namespace Distributed.Grains.Tests.Grains;

public interface IStateGrain : IGrainWithStringKey
{
    Task<(int Value, string? ETag)> WriteAsync(int value);

    Task<(int Value, string? ETag)> ReadAsync();

    /// <summary>Writes the grain's own state record through the storage provider directly, as a second writer
    /// (a zombie activation, another process) would, leaving this activation's ETag stale.</summary>
    Task OverwriteBehindTheGrainsBackAsync(int value);

    Task DeactivateAsync();
}
