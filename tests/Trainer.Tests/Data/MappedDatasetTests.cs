using System.Buffers.Binary;
using System.Security.Cryptography;
using Distributed.Trainer.Data;
using Xunit.Abstractions;

namespace Distributed.Trainer.Tests.Data;

// Shards are memory-mapped: a dataset far larger than what the process allocates opens and reads. Alone in its
// collection, so that the process-wide counters it reads see no other test's allocations.
[Collection(nameof(ProcessMemoryMeasuring))]
public sealed class MappedDatasetTests(ITestOutputHelper output)
{
    private const int DocumentTokens = 1 << 16;
    private const int Documents = 3 * 1024; // 3,072 documents x 65,536 uint16 tokens: a 384 MiB shard

    private static int Token(long document, int i) => (int)((document * 7919) + i) & 0xFFFF;

    [Fact]
    public async Task A_shard_far_larger_than_the_process_allocates_opens_and_reads_from_the_mapping()
    {
        using var dir = new TempDirectory();
        var info = WriteShard(dir.File("shards/big.bin"), "shards/big.bin");
        var manifest = new DatasetManifest { Name = "big", Tokenizer = "synthetic", VocabularySize = 65_536, TokenWidth = 2, Shards = [info] };
        await File.WriteAllBytesAsync(dir.File(DatasetManifest.DefaultName), manifest.ToJsonBytes());

        GC.Collect();
        GC.WaitForPendingFinalizers();
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var anonymousBefore = AnonymousResidentBytes();

        using (var dataset = await TokenizedDataset.OpenAsync(new LocalDirectoryShardStore(dir.Path)))
        {
            Assert.Equal(Documents, dataset.DocumentCount);
            var buffer = new int[DocumentTokens];
            for (long d = 0; d < dataset.DocumentCount; d++)
            {
                Assert.Equal(DocumentTokens, dataset.DocumentLength(d));
                dataset.CopyTokens(d, 0, buffer);
                // Every token of every document, against the formula that wrote it.
                for (var i = 0; i < buffer.Length; i++)
                {
                    if (buffer[i] != Token(d, i)) Assert.Fail($"document {d} token {i}: {buffer[i]}, expected {Token(d, i)}");
                }
            }
            Assert.Equal([Token(3071, 65_530), Token(3071, 65_531)], dataset.GetTokens(3071, 65_530, 2));
        }

        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        var anonymous = AnonymousResidentBytes() - anonymousBefore;
        var report = $"shard {info.Bytes >> 20} MiB; managed allocations {allocated >> 10} KiB; anonymous resident memory grew {anonymous >> 10} KiB";
        output.WriteLine(report);
        // The shard's bytes live in the page cache (file-backed, reclaimable), not in the process's own memory.
        Assert.True(allocated < info.Bytes / 32, report);
        Assert.True(anonymous < info.Bytes / 8, report);
    }

    // The process's private memory (RssAnon): heap, GC, native allocations; mapped file pages are RssFile.
    private static long AnonymousResidentBytes()
    {
        var line = File.ReadLines("/proc/self/status").Single(l => l.StartsWith("RssAnon:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
    }

    // The shard format written block by block (the test's own writer, independent of ShardBuilder, which holds a
    // shard in memory), hashed on the way out.
    private static ShardInfo WriteShard(string path, string name)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20);
        void Write(ReadOnlySpan<byte> bytes)
        {
            sha.AppendData(bytes);
            file.Write(bytes);
        }
        const long tokens = (long)Documents * DocumentTokens;
        var header = new byte[32];
        "DSTSHRD1"u8.CopyTo(header);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(8), 2);
        BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(16), Documents);
        BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(24), tokens);
        Write(header);
        var offsets = new byte[8 * (Documents + 1)];
        for (var d = 0; d <= Documents; d++) BinaryPrimitives.WriteInt64LittleEndian(offsets.AsSpan(8 * d), (long)d * DocumentTokens);
        Write(offsets);
        var block = new byte[2 * DocumentTokens];
        for (var d = 0; d < Documents; d++)
        {
            for (var i = 0; i < DocumentTokens; i++) BinaryPrimitives.WriteUInt16LittleEndian(block.AsSpan(2 * i), (ushort)Token(d, i));
            Write(block);
        }
        return new ShardInfo(name, Documents, tokens, file.Length, Convert.ToHexStringLower(sha.GetHashAndReset()));
    }
}

[CollectionDefinition(nameof(ProcessMemoryMeasuring), DisableParallelization = true)]
public sealed class ProcessMemoryMeasuring;
