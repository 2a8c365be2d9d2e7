using System.Text;
using Distributed.Grains.Storage;
using Orleans.Storage;

namespace Distributed.Grains.Tests.Storage;

/// <summary>Cluster mode host's grain storage: JSON files whose ETag is their content hash, written only over the version read.</summary>
public sealed class FileGrainStorageTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("file-grain-storage-").FullName;
    private static readonly GrainId Grain = GrainId.Create("job", "job-1");

    public sealed class Counter
    {
        public int Value { get; set; }

        // Large enough that writing the file takes a while: racing writers overlap between their check and their rename.
        public string Payload { get; set; } = new('x', 4 << 20);
    }

    private sealed class JsonSerializer : IGrainStorageSerializer
    {
        public BinaryData Serialize<T>(T? input) => new(Encoding.UTF8.GetBytes(System.Text.Json.JsonSerializer.Serialize(input)));

        public T Deserialize<T>(BinaryData input) => System.Text.Json.JsonSerializer.Deserialize<T>(input.ToArray())!;
    }

    // Each instance stands for one silo process: they share nothing but the folder.
    private FileGrainStorage Storage() => new(_directory, new JsonSerializer());

    private static async Task<GrainState<Counter>> ReadAsync(FileGrainStorage storage)
    {
        var state = new GrainState<Counter>();
        await storage.ReadStateAsync("state", Grain, state);
        return state;
    }

    [Fact]
    public async Task A_write_over_a_version_another_activation_replaced_fails_and_the_other_write_is_kept()
    {
        var first = await ReadAsync(Storage());
        var second = await ReadAsync(Storage());
        Assert.False(first.RecordExists);
        first.State!.Value = 1;
        await Storage().WriteStateAsync("state", Grain, first);
        second.State!.Value = 2;
        await Assert.ThrowsAsync<InconsistentStateException>(() => Storage().WriteStateAsync("state", Grain, second));
        var now = await ReadAsync(Storage());
        Assert.Equal((1, first.ETag), (now.State!.Value, now.ETag));
        // The winner goes on writing over its own version; a clear over a stale version fails too.
        first.State!.Value = 3;
        await Storage().WriteStateAsync("state", Grain, first);
        await Assert.ThrowsAsync<InconsistentStateException>(() => Storage().ClearStateAsync("state", Grain, now));
        Assert.Equal(3, (await ReadAsync(Storage())).State!.Value);
    }

    [Fact]
    public async Task Of_many_concurrent_writers_over_one_version_exactly_one_wins()
    {
        var start = await ReadAsync(Storage());
        start.State!.Value = 100;
        await Storage().WriteStateAsync("state", Grain, start);
        for (var round = 0; round < 20; round++)
        {
            // Every writer has read the same version before any writes: only one may replace it.
            var states = new List<GrainState<Counter>>();
            for (var i = 1; i <= 8; i++)
            {
                var mine = await ReadAsync(Storage());
                mine.State!.Value = (round * 10) + i;
                states.Add(mine);
            }
            using var go = new ManualResetEventSlim();
            var writers = states.Select(mine => Task.Run(async () =>
            {
                go.Wait();
                try
                {
                    await Storage().WriteStateAsync("state", Grain, mine);
                    return mine.State!.Value;
                }
                catch (InconsistentStateException)
                {
                    return -1;
                }
            })).ToList();
            go.Set();
            var winners = (await Task.WhenAll(writers)).Where(r => r >= 0).ToList();
            Assert.True(winners.Count == 1, $"round {round}: {winners.Count} writers replaced the same version ({string.Join(", ", winners)})");
            Assert.Equal(winners[0], (await ReadAsync(Storage())).State!.Value);
        }
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
