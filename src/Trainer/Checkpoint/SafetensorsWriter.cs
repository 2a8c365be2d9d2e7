using System.Buffers.Binary;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Distributed.Trainer.Checkpoint;

/// <summary>
/// Collects tensors (name, dtype, shape and their bytes or a callback producing them), then writes one
/// safetensors file, or a sharded checkpoint (<see cref="WriteSharded"/>). The layout is the reference
/// implementation's: tensors sorted by descending dtype alignment then by name, compact JSON header padded
/// with spaces to a multiple of 8 so the data region starts 8-byte aligned. Files are written atomically.
/// </summary>
public sealed partial class SafetensorsWriter
{
    private static readonly JsonWriterOptions HeaderJson = new()
    {
        // serde_json (the reference) writes non-ASCII and HTML characters unescaped; so do we, byte for byte.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
    };

    private readonly List<PendingTensor> _tensors = [];
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);

    /// <summary>The header's <c>__metadata__</c> map (e.g. <c>"format": "pt"</c>, which transformers expects).</summary>
    public Dictionary<string, string> Metadata { get; } = new(StringComparer.Ordinal);

    public int Count => _tensors.Count;

    /// <summary>Sum of all tensors' byte lengths (the index's <c>total_size</c>).</summary>
    public long DataBytes { get; private set; }

    /// <summary>Adds a tensor whose bytes are in memory; they are read when the file is written.</summary>
    public void Add(string name, SafetensorsDtype dtype, long[] shape, ReadOnlyMemory<byte> data)
    {
        var byteLength = ByteLength(name, dtype, shape);
        if (data.Length != byteLength)
            throw new ArgumentException($"tensor '{name}': {data.Length} bytes given, {dtype.ToHeaderName()} shape [{string.Join(", ", shape)}] needs {byteLength}", nameof(data));
        AddPending(new PendingTensor(name, dtype, (long[])shape.Clone(), byteLength, stream => stream.Write(data.Span)));
    }

    /// <summary>
    /// Adds a tensor whose bytes <paramref name="writeData"/> writes into the file when it is written (e.g.
    /// straight from tensor memory). The callback must write exactly the tensor's byte length.
    /// </summary>
    public void Add(string name, SafetensorsDtype dtype, long[] shape, Action<Stream> writeData)
    {
        ArgumentNullException.ThrowIfNull(writeData);
        AddPending(new PendingTensor(name, dtype, (long[])shape.Clone(), ByteLength(name, dtype, shape), writeData));
    }

    /// <summary>Writes all tensors to one file at <paramref name="path"/>, replacing it atomically.</summary>
    public void Write(string path) => AtomicFile.Write(path, WriteTo);

    /// <summary>Writes the whole file (header and data) to <paramref name="stream"/>, e.g. a storage object being uploaded.</summary>
    public void WriteTo(Stream stream) => WriteFile(stream, _tensors, Metadata);

    private void AddPending(PendingTensor tensor)
    {
        if (tensor.Name == "__metadata__")
            throw new ArgumentException("'__metadata__' is reserved for the header's metadata map", nameof(tensor));
        if (!_names.Add(tensor.Name))
            throw new ArgumentException($"tensor '{tensor.Name}' was already added", nameof(tensor));
        _tensors.Add(tensor);
        DataBytes += tensor.ByteLength;
    }

    private static long ByteLength(string name, SafetensorsDtype dtype, long[] shape)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(shape);
        long bytes = dtype.SizeOf();
        foreach (var dim in shape)
        {
            if (dim < 0)
                throw new ArgumentException($"tensor '{name}': negative dimension in shape [{string.Join(", ", shape)}]", nameof(shape));
            bytes = checked(bytes * dim);
        }
        return bytes;
    }

    private static void WriteFile(Stream stream, IReadOnlyList<PendingTensor> tensors, IReadOnlyDictionary<string, string> metadata)
    {
        var ordered = tensors
            .OrderByDescending(t => t.Dtype)
            .ThenBy(t => t.Name, StringComparer.Ordinal)
            .ToList();
        var header = BuildHeader(ordered, metadata);
        Span<byte> prefix = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)header.Length);
        stream.Write(prefix);
        stream.Write(header);
        foreach (var tensor in ordered)
        {
            // Counted, not read from stream.Position: an upload stream need not be seekable.
            using var counting = new CountingStream(stream);
            tensor.WriteData(counting);
            if (counting.Written != tensor.ByteLength)
                throw new InvalidOperationException($"tensor '{tensor.Name}': the data callback wrote {counting.Written} bytes, expected {tensor.ByteLength}");
        }
    }

    private static byte[] BuildHeader(List<PendingTensor> ordered, IReadOnlyDictionary<string, string> metadata)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, HeaderJson))
        {
            json.WriteStartObject();
            if (metadata.Count > 0)
            {
                // The reference writes a hash map in arbitrary order; sorted keys make our output reproducible.
                json.WriteStartObject("__metadata__");
                foreach (var (key, value) in metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                    json.WriteString(key, value);
                json.WriteEndObject();
            }
            long offset = 0;
            foreach (var tensor in ordered)
            {
                json.WriteStartObject(tensor.Name);
                json.WriteString("dtype", tensor.Dtype.ToHeaderName());
                json.WriteStartArray("shape");
                foreach (var dim in tensor.Shape)
                    json.WriteNumberValue(dim);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + tensor.ByteLength);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += tensor.ByteLength;
            }
            json.WriteEndObject();
        }
        while (buffer.Length % 8 != 0)
            buffer.WriteByte((byte)' ');
        return buffer.ToArray();
    }

    private sealed record PendingTensor(string Name, SafetensorsDtype Dtype, long[] Shape, long ByteLength, Action<Stream> WriteData);
}
