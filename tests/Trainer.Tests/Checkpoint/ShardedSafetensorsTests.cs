using System.Text.Json;
using Distributed.Trainer.Checkpoint;

namespace Distributed.Trainer.Tests.Checkpoint;

public sealed class ShardedSafetensorsTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>Five F32 tensors of 40, 40, 200, 24 and 16 bytes, each filled with its index.</summary>
    private static SafetensorsWriter FiveTensors()
    {
        var writer = new SafetensorsWriter();
        writer.Metadata["format"] = "pt";
        long[] sizes = [10, 10, 50, 6, 4];
        for (var i = 0; i < sizes.Length; i++)
            writer.Add($"t{i}", SafetensorsDtype.F32, [sizes[i]], TestFiles.F32([.. Enumerable.Repeat((float)i, (int)sizes[i])]));
        return writer;
    }

    [Fact]
    public void Sharded_round_trip_splits_as_huggingface_does_and_writes_the_index()
    {
        var writer = FiveTensors();

        var shards = writer.WriteSharded(_dir.Path, maxShardBytes: 64);

        // huggingface_hub's split, in insertion order: t1 does not fit beside t0 (80 > 64) and opens a new shard;
        // t2 is larger than the limit and gets a shard of its own, emitted at once; t3 joins t1 (exactly 64);
        // t4 does not fit there and opens the last shard.
        Assert.Equal(
            ["model-00001-of-00004.safetensors", "model-00002-of-00004.safetensors", "model-00003-of-00004.safetensors", "model-00004-of-00004.safetensors"],
            shards);
        using (var index = JsonDocument.Parse(File.ReadAllBytes(_dir.File("model.safetensors.index.json"))))
        {
            Assert.Equal(320, index.RootElement.GetProperty("metadata").GetProperty("total_size").GetInt64());
            var map = index.RootElement.GetProperty("weight_map").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString());
            Assert.Equal(["t0", "t1", "t2", "t3", "t4"], map.Keys);
            Assert.Equal(shards[0], map["t0"]);
            Assert.Equal(shards[2], map["t1"]);
            Assert.Equal(shards[1], map["t2"]);
            Assert.Equal(shards[2], map["t3"]);
            Assert.Equal(shards[3], map["t4"]);
        }

        using var sharded = ShardedSafetensors.Open(_dir.File("model.safetensors.index.json"));
        Assert.Equal(320, sharded.TotalSize);
        Assert.Equal(5, sharded.Names.Count());
        for (var i = 0; i < 5; i++)
        {
            var values = HalfPrecision.FromSingleBytes(sharded.GetBytes($"t{i}"));
            Assert.All(values, v => Assert.Equal(i, v));
            Assert.Equal(SafetensorsDtype.F32, sharded.GetEntry($"t{i}").Dtype);
        }
        Assert.Equal("pt", sharded.GetShard("t3").Metadata["format"]);
        Assert.Same(sharded.GetShard("t1"), sharded.GetShard("t3"));
        Assert.NotSame(sharded.GetShard("t3"), sharded.GetShard("t4"));
    }

    [Fact]
    public void Shards_are_opened_only_when_a_tensor_in_them_is_read()
    {
        FiveTensors().WriteSharded(_dir.Path, maxShardBytes: 64);
        File.Delete(_dir.File("model-00002-of-00004.safetensors"));

        using var sharded = ShardedSafetensors.Open(_dir.File("model.safetensors.index.json"));

        Assert.Equal(TestFiles.F32(3, 3, 3, 3, 3, 3), sharded.GetBytes("t3").ToArray());
        var e = Assert.Throws<SafetensorsFormatException>(() => sharded.GetBytes("t2").Length);
        Assert.Contains("tensor 't2': shard 'model-00002-of-00004.safetensors' does not exist", e.Message);
    }

    [Fact]
    public void Saving_again_with_fewer_shards_removes_the_stale_ones()
    {
        FiveTensors().WriteSharded(_dir.Path, maxShardBytes: 64);
        File.WriteAllText(_dir.File("config.json"), "{}");

        var shards = FiveTensors().WriteSharded(_dir.Path, maxShardBytes: 1000);

        Assert.Equal(["model-00001-of-00001.safetensors"], shards);
        Assert.Equal(["config.json", "model-00001-of-00001.safetensors", "model.safetensors.index.json"], _dir.FileNames());
        using var sharded = ShardedSafetensors.Open(_dir.File("model.safetensors.index.json"));
        Assert.Equal(TestFiles.F32(4, 4, 4, 4), sharded.GetBytes("t4").ToArray());
    }

    [Fact]
    public void Failed_shard_write_leaves_the_previous_index_committed()
    {
        FiveTensors().WriteSharded(_dir.Path, maxShardBytes: 64);
        var indexBefore = File.ReadAllBytes(_dir.File("model.safetensors.index.json"));
        var failing = new SafetensorsWriter();
        failing.Add("x", SafetensorsDtype.U8, [4], new byte[4]);
        failing.Add("y", SafetensorsDtype.U8, [4], _ => throw new IOException("disk full"));

        Assert.Throws<IOException>(() => failing.WriteSharded(_dir.Path, maxShardBytes: 4));

        Assert.Equal(indexBefore, File.ReadAllBytes(_dir.File("model.safetensors.index.json")));
        Assert.DoesNotContain(_dir.FileNames(), n => n.StartsWith(".tmp-", StringComparison.Ordinal));
        using var sharded = ShardedSafetensors.Open(_dir.File("model.safetensors.index.json"));
        Assert.Equal(TestFiles.F32(0, 0, 0, 0, 0, 0, 0, 0, 0, 0), sharded.GetBytes("t0").ToArray());
    }

    [Fact]
    public void Reads_a_hand_written_huggingface_index()
    {
        // As transformers writes it: indent 2, sorted keys, total_size as a float in older versions.
        _dir.Write("model-00001-of-00002.safetensors", TestFiles.Safetensors("""{"lm_head.weight":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", TestFiles.F32(1, 2)));
        _dir.Write("model-00002-of-00002.safetensors", TestFiles.Safetensors("""{"model.norm.weight":{"dtype":"BF16","shape":[1],"data_offsets":[0,2]}}""", TestFiles.ExactBf16(0.25f)));
        var indexPath = _dir.Write("model.safetensors.index.json", """
            {
              "metadata": {
                "total_size": 10.0
              },
              "weight_map": {
                "lm_head.weight": "model-00001-of-00002.safetensors",
                "model.norm.weight": "model-00002-of-00002.safetensors"
              }
            }
            """u8.ToArray());

        using var sharded = ShardedSafetensors.Open(indexPath);

        Assert.Equal(10, sharded.TotalSize);
        Assert.Equal([1f, 2f], HalfPrecision.FromSingleBytes(sharded.GetBytes("lm_head.weight")));
        Assert.Equal([0.25f], HalfPrecision.FromBFloat16Bytes(sharded.GetBytes("model.norm.weight")));
        Assert.Throws<KeyNotFoundException>(() => sharded.GetEntry("model.embed_tokens.weight"));
    }

    public static TheoryData<string, string> BadIndexes() => new()
    {
        { """{"metadata":{}}""", "index has no 'weight_map' object" },
        { """[1]""", "index is not valid JSON of the expected shape" },
        { """{"weight_map":{"a":"../model.safetensors"}}""", "tensor 'a': shard '../model.safetensors' is not a file name in the index's directory" },
        { """{"weight_map":{"a":"/etc/passwd"}}""", "is not a file name in the index's directory" },
        { """{"weight_map":{"a":"x.safetensors","a":"y.safetensors"}}""", "index is not valid JSON of the expected shape" },
        { """{"metadata":{"total_size":"big"},"weight_map":{}}""", "'metadata.total_size' must be a number, found String" },
    };

    [Theory]
    [MemberData(nameof(BadIndexes))]
    public void Bad_index_is_rejected(string json, string expected)
    {
        var path = _dir.Write("model.safetensors.index.json", System.Text.Encoding.UTF8.GetBytes(json));

        var e = Assert.Throws<SafetensorsFormatException>(() => ShardedSafetensors.Open(path).Dispose());

        Assert.StartsWith(path, e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Tensor_missing_from_its_shard_is_reported()
    {
        _dir.Write("s.safetensors", TestFiles.Safetensors("""{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}""", [9]));
        var path = _dir.Write("model.safetensors.index.json", """{"weight_map":{"a":"s.safetensors","b":"s.safetensors"}}"""u8.ToArray());
        using var sharded = ShardedSafetensors.Open(path);

        var e = Assert.Throws<SafetensorsFormatException>(() => sharded.GetBytes("a").Length);

        Assert.Contains("tensor 'b' is mapped to shard 's.safetensors', which does not contain it", e.Message);
    }

    [Fact]
    public void Checkpoint_directory_opens_the_single_file_first_then_the_index()
    {
        var single = new SafetensorsWriter();
        single.Add("w", SafetensorsDtype.U8, [1], new byte[] { 1 });
        single.Write(_dir.File("model.safetensors"));

        using (var source = SafetensorsCheckpoint.Open(_dir.Path))
        {
            Assert.IsType<SafetensorsFile>(source);
            Assert.Equal(["w"], source.Names);
        }

        // A sharded save removes the single file, which transformers would otherwise load instead of the index.
        FiveTensors().WriteSharded(_dir.Path, maxShardBytes: 64);

        Assert.DoesNotContain("model.safetensors", _dir.FileNames());
        using (var source = SafetensorsCheckpoint.Open(_dir.Path))
        {
            Assert.IsType<ShardedSafetensors>(source);
            Assert.Equal(["t0", "t1", "t2", "t3", "t4"], source.Names.Order());
            Assert.True(source.Contains("t2"));
            Assert.Equal(200, source.GetEntry("t2").ByteLength);
        }
    }

    [Fact]
    public void Directory_without_weights_is_reported()
    {
        var e = Assert.Throws<FileNotFoundException>(() => SafetensorsCheckpoint.Open(_dir.Path));

        Assert.Contains("no model.safetensors and no model.safetensors.index.json", e.Message);
    }

    [Fact]
    public void Prefix_must_be_a_file_name()
    {
        Assert.Throws<ArgumentException>(() => FiveTensors().WriteSharded(_dir.Path, 64, prefix: "../model"));
        Assert.Empty(_dir.FileNames());
    }
}
