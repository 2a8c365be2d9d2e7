using System.Text.Json;
using Distributed.Actors.State;

namespace Distributed.Actors.Tests.State;

/// <summary>The storage contract on the file system, plus what a crash mid-write leaves behind.</summary>
public sealed class FileGrainStorageTests : GrainStorageContractTests, IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("file-storage-").FullName;
    private readonly FileGrainStorage _storage;

    public FileGrainStorageTests() => _storage = new FileGrainStorage(_root, new JsonSerializerOptions(JsonSerializerDefaults.Web), TimeProvider.System);

    protected override IGrainStorage Storage => _storage;

    [Fact]
    public async Task A_crash_after_writing_the_temporary_file_leaves_the_previous_state()
    {
        var grain = NewGrain();
        var etag = await Storage.WriteAsync(grain, "s", BigState.Of(1, 100), null, CancellationToken.None);
        // What a process killed mid-write leaves: a half-written temporary file beside the state file.
        var path = _storage.PathOf(grain, "s");
        await File.WriteAllTextAsync($"{path}.{Guid.NewGuid():N}.tmp", "{\"etag\":\"x\",\"state\":{\"version\":2,\"payl");

        var stored = await Storage.ReadAsync<BigState>(grain, "s", CancellationToken.None);
        var next = await Storage.WriteAsync(grain, "s", BigState.Of(3, 100), etag, CancellationToken.None);

        Assert.Equal(1, stored!.State.Version);
        Assert.Equal(etag, stored.Etag);
        Assert.Equal(3, (await Storage.ReadAsync<BigState>(grain, "s", CancellationToken.None))!.State.Version);
        Assert.NotEqual(etag, next);
    }

    [Fact]
    public async Task Readers_never_see_a_partly_written_file()
    {
        var grain = NewGrain();
        var etag = await Storage.WriteAsync(grain, "s", BigState.Of(0, 100), null, CancellationToken.None);
        using var done = new CancellationTokenSource();
        var reader = Task.Run(async () =>
        {
            var reads = 0;
            while (!done.IsCancellationRequested)
            {
                var stored = await Storage.ReadAsync<BigState>(grain, "s", CancellationToken.None);
                Assert.Equal(stored!.State.Version == 0 ? 100 : 256 << 10, stored.State.Payload.Length);
                reads++;
            }
            return reads;
        });

        for (var version = 1; version <= 30; version++)
        {
            etag = await Storage.WriteAsync(grain, "s", BigState.Of(version, 256 << 10), etag, CancellationToken.None);
        }
        await done.CancelAsync();

        Assert.True(await reader > 0);
    }

    [Fact]
    public async Task Keys_cannot_escape_the_storage_folder()
    {
        var grain = new GrainId("../..", "../../etc/passwd");

        await Storage.WriteAsync(grain, "../s", BigState.Of(1, 1), null, CancellationToken.None);

        Assert.StartsWith(_root, Path.GetFullPath(_storage.PathOf(grain, "../s")), StringComparison.Ordinal);
        Assert.Equal(1, (await Storage.ReadAsync<BigState>(grain, "../s", CancellationToken.None))!.State.Version);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
