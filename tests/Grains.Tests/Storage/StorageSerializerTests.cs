using System.Text;
using Orleans.Storage;
using Orleans.TestingHost;

namespace Distributed.Grains.Tests.Storage;

// The grain storage serializer the silo wiring installs (shared by every storage provider, the blob one included).
[Collection(ClusterCollection.Name)]
public sealed class StorageSerializerTests(ClusterFixture fixture)
{
    [Fact]
    public void Stored_state_names_no_type_and_reads_back_after_the_type_is_renamed_and_moved()
    {
        var services = Assert.IsType<InProcessSiloHandle>(fixture.Cluster.Primary).SiloHost!.Services;
        var serializer = (IGrainStorageSerializer)services.GetService(typeof(IGrainStorageSerializer))!;
        var stored = serializer.Serialize(new Before.ShardCursor { Epoch = 3, Offset = 1_234_567_890_123, Dataset = "fortunes" });

        var json = Encoding.UTF8.GetString(stored.ToArray());
        Assert.DoesNotContain("$type", json);
        Assert.DoesNotContain(typeof(Before.ShardCursor).Assembly.GetName().Name!, json);
        Assert.DoesNotContain(nameof(Before), json);

        var after = serializer.Deserialize<After.Renamed.DataCursor>(stored);
        Assert.Equal((3, 1_234_567_890_123L, "fortunes"), (after!.Epoch, after.Offset, after.Dataset));
    }

    // Two containers stand for "before" and "after" a refactoring that renamed and moved the state type.
    private static class Before
    {
        public sealed class ShardCursor
        {
            public int Epoch { get; set; }

            public long Offset { get; set; }

            public string Dataset { get; set; } = "";
        }
    }

    private static class After
    {
        public static class Renamed
        {
            public sealed class DataCursor
            {
                public int Epoch { get; set; }

                public long Offset { get; set; }

                public string Dataset { get; set; } = "";
            }
        }
    }
}
