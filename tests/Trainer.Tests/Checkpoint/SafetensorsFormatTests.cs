using System.Text;
using Distributed.Trainer.Checkpoint;

namespace Distributed.Trainer.Tests.Checkpoint;

/// <summary>Every malformed file is rejected on open with a message naming the file, the tensor and the problem.</summary>
public sealed class SafetensorsFormatTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static byte[] File(string header, params byte[][] data) => TestFiles.Safetensors(header, data);

    private static string Tensor(string name, string dtype, string shape, long begin, long end) =>
        $$"""
        "{{name}}":{"dtype":"{{dtype}}","shape":{{shape}},"data_offsets":[{{begin}},{{end}}]}
        """;

    public static TheoryData<string, byte[], string[]> BadFiles() => new()
    {
        { "empty file", [], ["0 bytes, shorter than the 8-byte header length prefix"] },
        { "5 bytes", [1, 2, 3, 4, 5], ["5 bytes, shorter than the 8-byte"] },
        { "header longer than file", TestFiles.Raw(64, Encoding.UTF8.GetBytes("{}      "), []), ["header length 64 is larger than the file (16 bytes)"] },
        { "header over 100 MB", TestFiles.Raw(100_000_008, Encoding.UTF8.GetBytes("{}      "), []), ["header length 100000008 exceeds the 100000000-byte limit"] },
        { "header length near u64 max", TestFiles.Raw(ulong.MaxValue, [], []), ["exceeds the 100000000-byte limit"] },
        { "invalid JSON", File("""{"a":{"dtype":"F32",""", new byte[4]), ["header is not valid UTF-8 JSON"] },
        { "JSON followed by garbage", File("""{}x"""), ["header is not valid UTF-8 JSON"] },
        { "invalid UTF-8", TestFiles.Raw(8, [(byte)'{', (byte)'"', 0xC3, 0x28, (byte)'"', (byte)':', (byte)'1', (byte)'}'], []), ["header is not valid UTF-8 JSON"] },
        { "array header", File("[]"), ["header must be a JSON object starting with '{'"] },
        { "leading space", File(" {}"), ["header must be a JSON object starting with '{'"] },
        { "empty header", TestFiles.Raw(0, [], []), ["header must be a JSON object starting with '{'"] },
        { "unknown dtype", File("{" + Tensor("w", "F33", "[1]", 0, 4) + "}", new byte[4]), ["tensor 'w'", "unknown dtype 'F33'"] },
        { "lower-case dtype", File("{" + Tensor("w", "f32", "[1]", 0, 4) + "}", new byte[4]), ["tensor 'w'", "unknown dtype 'f32'"] },
        { "missing dtype", File("""{"w":{"shape":[1],"data_offsets":[0,4]}}""", new byte[4]), ["tensor 'w'", "missing or non-string 'dtype'"] },
        { "tensor not an object", File("""{"w":[1,2]}"""), ["tensor 'w'", "expected an object", "found Array"] },
        { "negative dimension", File("{" + Tensor("w", "F32", "[-1,2]", 0, 8) + "}", new byte[8]), ["tensor 'w'", "'shape' must hold non-negative integers, found -1"] },
        { "fractional dimension", File("{" + Tensor("w", "F32", "[2.5]", 0, 8) + "}", new byte[8]), ["tensor 'w'", "'shape' must hold non-negative integers, found 2.5"] },
        { "string dimension", File("{" + Tensor("w", "F32", "[\"2\"]", 0, 8) + "}", new byte[8]), ["tensor 'w'", "'shape' must hold non-negative integers"] },
        { "shape missing", File("""{"w":{"dtype":"F32","data_offsets":[0,4]}}""", new byte[4]), ["tensor 'w'", "missing or non-array 'shape'"] },
        { "three offsets", File("""{"w":{"dtype":"U8","shape":[1],"data_offsets":[0,1,2]}}""", new byte[1]), ["tensor 'w'", "must be [begin, end], found 3 numbers"] },
        { "end before begin", File("{" + Tensor("w", "U8", "[0]", 4, 0) + "}", new byte[4]), ["tensor 'w'", "end before they begin"] },
        { "size mismatch", File("{" + Tensor("w", "F32", "[2,2]", 0, 12) + "}", new byte[12]), ["tensor 'w'", "hold 12 bytes, but F32 shape [2, 2] needs 16"] },
        { "shape overflow", File("{" + Tensor("w", "F64", "[4294967296,4294967296]", 0, 8) + "}", new byte[8]), ["tensor 'w'", "overflows a 64-bit byte count"] },
        { "truncated data", File("{" + Tensor("w", "F32", "[4]", 0, 16) + "}", new byte[10]), ["tensor 'w'", "reach past the data region (10 bytes): truncated file"] },
        { "overlapping tensors", File("{" + Tensor("a", "F32", "[2]", 0, 8) + "," + Tensor("b", "F32", "[2]", 4, 12) + "}", new byte[12]), ["tensor 'b'", "overlaps tensor 'a' ending at 8"] },
        { "same range twice", File("{" + Tensor("a", "F32", "[1]", 0, 4) + "," + Tensor("b", "F32", "[1]", 0, 4) + "}", new byte[4]), ["overlaps tensor 'a'"] },
        { "hole between tensors", File("{" + Tensor("a", "F32", "[1]", 0, 4) + "," + Tensor("b", "F32", "[1]", 8, 12) + "}", new byte[12]), ["hole of 4 bytes before tensor 'b'"] },
        { "data not starting at 0", File("{" + Tensor("a", "F32", "[1]", 4, 8) + "}", new byte[8]), ["hole of 4 bytes before tensor 'a'"] },
        { "trailing bytes", File("{" + Tensor("a", "F32", "[1]", 0, 4) + "}", new byte[6]), ["data region is 6 bytes but the tensors cover only 4"] },
        { "duplicate names", File("{" + Tensor("a", "F32", "[1]", 0, 4) + "," + Tensor("a", "F32", "[1]", 4, 8) + "}", new byte[8]), ["duplicate name 'a'"] },
        { "metadata value not a string", File("""{"__metadata__":{"step":10}}"""), ["'__metadata__' entry 'step' must be a string, found Number"] },
        { "metadata not an object", File("""{"__metadata__":"pt"}"""), ["'__metadata__' must be an object of strings"] },
    };

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void Bad_file_is_rejected_with_a_message_naming_the_problem(string name, byte[] bytes, string[] expectedFragments)
    {
        var path = _dir.Write(name.Replace(' ', '-') + ".safetensors", bytes);

        var e = Assert.Throws<SafetensorsFormatException>(() => SafetensorsFile.Open(path).Dispose());

        Assert.Equal(path, e.Path);
        Assert.StartsWith(path + ": ", e.Message);
        foreach (var fragment in expectedFragments)
            Assert.Contains(fragment, e.Message);
    }

    [Fact]
    public void Truncating_a_valid_file_by_one_byte_is_detected()
    {
        var bytes = SafetensorsFileTests.PythonFileBytes();
        var path = _dir.Write("cut.safetensors", bytes[..^1]);

        var e = Assert.Throws<SafetensorsFormatException>(() => SafetensorsFile.Open(path).Dispose());

        Assert.Contains("tensor 'bias'", e.Message);
        Assert.Contains("truncated file", e.Message);
    }
}
