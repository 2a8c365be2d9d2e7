using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.IO.MemoryMappedFiles;
using System.Text.Json;
using System.Text.Unicode;

namespace Distributed.Trainer.Checkpoint;

/// <summary>
/// A read-only, memory-mapped safetensors file (https://github.com/huggingface/safetensors, format section):
/// an 8-byte little-endian header length N, N bytes of UTF-8 JSON, then the data region. The header is
/// validated completely on open, so every span or pointer handed out afterwards lies inside the file.
/// Spans and pointers stay valid until <see cref="Dispose"/>; the tensor binding copies from them straight
/// into tensor memory, with no copy in between.
/// </summary>
public sealed unsafe class SafetensorsFile : ISafetensorsSource
{
    /// <summary>The reference implementation's limit; a larger header is treated as a corrupt or hostile file.</summary>
    public const long MaxHeaderBytes = 100_000_000;

    private const string MetadataKey = "__metadata__";

    private readonly MemoryMappedFile _mapping;
    private readonly MemoryMappedViewAccessor _view;
    private readonly Dictionary<string, SafetensorsEntry> _byName;
    private byte* _dataStart;

    private SafetensorsFile(string path, MemoryMappedFile mapping, MemoryMappedViewAccessor view, byte* dataStart,
        List<SafetensorsEntry> entries, Dictionary<string, string> metadata)
    {
        Path = path;
        _mapping = mapping;
        _view = view;
        _dataStart = dataStart;
        Entries = entries.AsReadOnly();
        _byName = entries.ToDictionary(e => e.Name, StringComparer.Ordinal);
        Metadata = metadata;
    }

    public string Path { get; }

    /// <summary>All tensors, in the order of their data in the file.</summary>
    public IReadOnlyList<SafetensorsEntry> Entries { get; }

    /// <summary>The header's <c>__metadata__</c> map; empty when the file has none.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    public static SafetensorsFile Open(string path)
    {
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        MemoryMappedFile? mapping = null;
        MemoryMappedViewAccessor? view = null;
        var acquired = false;
        try
        {
            var fileLength = stream.Length;
            // A zero-length file cannot be mapped, and a shorter one cannot hold the length prefix.
            if (fileLength < 8)
                throw new SafetensorsFormatException(path, $"file is {fileLength} bytes, shorter than the 8-byte header length prefix");
            mapping = MemoryMappedFile.CreateFromFile(stream, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
            view = mapping.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            byte* basePtr = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref basePtr);
            acquired = true;
            basePtr += view.PointerOffset;

            var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(new ReadOnlySpan<byte>(basePtr, 8));
            if (headerLength > MaxHeaderBytes)
                throw new SafetensorsFormatException(path, $"header length {headerLength} exceeds the {MaxHeaderBytes}-byte limit");
            if (headerLength > (ulong)(fileLength - 8))
                throw new SafetensorsFormatException(path, $"header length {headerLength} is larger than the file ({fileLength} bytes): truncated file or not safetensors");

            var header = new ReadOnlySpan<byte>(basePtr + 8, (int)headerLength);
            var dataLength = fileLength - 8 - (long)headerLength;
            var (entries, metadata) = ParseHeader(path, header, dataLength);
            return new SafetensorsFile(path, mapping, view, basePtr + 8 + (long)headerLength, entries, metadata);
        }
        catch
        {
            if (acquired)
                view!.SafeMemoryMappedViewHandle.ReleasePointer();
            view?.Dispose();
            mapping?.Dispose();
            stream.Dispose();
            throw;
        }
    }

    public IEnumerable<string> Names => Entries.Select(e => e.Name);

    public bool Contains(string name) => _byName.ContainsKey(name);

    public bool TryGetEntry(string name, [MaybeNullWhen(false)] out SafetensorsEntry entry) => _byName.TryGetValue(name, out entry);

    public SafetensorsEntry GetEntry(string name) =>
        _byName.TryGetValue(name, out var entry)
            ? entry
            : throw new KeyNotFoundException($"{Path}: no tensor named '{name}' (the file has {_byName.Count} tensors)");

    /// <summary>The tensor's bytes inside the mapping. Tensors over 2 GiB need <see cref="GetPointer"/>.</summary>
    public ReadOnlySpan<byte> GetBytes(string name)
    {
        var entry = GetEntry(name);
        if (entry.ByteLength > int.MaxValue)
            throw new InvalidOperationException($"{Path}: tensor '{name}' is {entry.ByteLength} bytes, too large for a span; use GetPointer");
        return new ReadOnlySpan<byte>(GetPointer(name), (int)entry.ByteLength);
    }

    /// <summary>
    /// Address of the tensor's first byte inside the mapping; <see cref="SafetensorsEntry.ByteLength"/> bytes
    /// are readable from it until <see cref="Dispose"/>. The address is aligned only as the file lays it out.
    /// </summary>
    public byte* GetPointer(string name)
    {
        ObjectDisposedException.ThrowIf(_dataStart == null, this);
        return _dataStart + GetEntry(name).DataOffset;
    }

    public void Dispose()
    {
        if (_dataStart == null)
            return;
        _dataStart = null;
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _mapping.Dispose();
    }

    // --- Header validation: every rule of the reference parser, with messages that name the tensor.

    private static (List<SafetensorsEntry> Entries, Dictionary<string, string> Metadata) ParseHeader(
        string path, ReadOnlySpan<byte> header, long dataLength)
    {
        // JsonDocument checks UTF-8 only in the strings it decodes, and only when they are read.
        if (!Utf8.IsValid(header))
            throw new SafetensorsFormatException(path, "header is not valid UTF-8 JSON: it contains invalid UTF-8 bytes");
        // The reference parser rejects anything before the object, leading whitespace included.
        if (header.IsEmpty || header[0] != (byte)'{')
            throw new SafetensorsFormatException(path, "header must be a JSON object starting with '{' at its first byte");
        JsonDocument document;
        try
        {
            // Duplicate keys are allowed by JsonDocument; they are rejected below where the name is known.
            document = JsonDocument.Parse(header.ToArray());
        }
        catch (JsonException e)
        {
            throw new SafetensorsFormatException(path, $"header is not valid UTF-8 JSON: {e.Message}", e);
        }

        using (document)
        {
            // Starting with '{' and parsing whole, the root is an object.
            var root = document.RootElement;

            var entries = new List<SafetensorsEntry>();
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in root.EnumerateObject())
            {
                if (!seen.Add(property.Name))
                    throw new SafetensorsFormatException(path, $"duplicate name '{property.Name}' in the header");
                if (property.Name == MetadataKey)
                    ReadMetadata(path, property.Value, metadata);
                else
                    entries.Add(ReadEntry(path, property.Name, property.Value, dataLength));
            }

            CheckCoverage(path, entries, dataLength);
            return (entries, metadata);
        }
    }

    private static void ReadMetadata(string path, JsonElement value, Dictionary<string, string> metadata)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw new SafetensorsFormatException(path, $"'{MetadataKey}' must be an object of strings, found {value.ValueKind}");
        foreach (var item in value.EnumerateObject())
        {
            if (item.Value.ValueKind != JsonValueKind.String)
                throw new SafetensorsFormatException(path, $"'{MetadataKey}' entry '{item.Name}' must be a string, found {item.Value.ValueKind}");
            if (!metadata.TryAdd(item.Name, item.Value.GetString()!))
                throw new SafetensorsFormatException(path, $"duplicate key '{item.Name}' in '{MetadataKey}'");
        }
    }

    private static SafetensorsEntry ReadEntry(string path, string name, JsonElement info, long dataLength)
    {
        if (info.ValueKind != JsonValueKind.Object)
            throw new SafetensorsFormatException(path, $"tensor '{name}': expected an object with dtype, shape and data_offsets, found {info.ValueKind}");

        if (!info.TryGetProperty("dtype", out var dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String)
            throw new SafetensorsFormatException(path, $"tensor '{name}': missing or non-string 'dtype'");
        var dtypeName = dtypeElement.GetString()!;
        if (!SafetensorsDtypes.TryParseHeaderName(dtypeName, out var dtype))
            throw new SafetensorsFormatException(path, $"tensor '{name}': unknown dtype '{dtypeName}'");

        var shape = ReadNonNegativeIntegers(path, name, info, "shape");
        var offsets = ReadNonNegativeIntegers(path, name, info, "data_offsets");
        if (offsets.Length != 2)
            throw new SafetensorsFormatException(path, $"tensor '{name}': 'data_offsets' must be [begin, end], found {offsets.Length} numbers");
        var (begin, end) = (offsets[0], offsets[1]);
        if (end < begin)
            throw new SafetensorsFormatException(path, $"tensor '{name}': data_offsets [{begin}, {end}] end before they begin");
        if (end > dataLength)
            throw new SafetensorsFormatException(path, $"tensor '{name}': data_offsets [{begin}, {end}] reach past the data region ({dataLength} bytes): truncated file");

        long expected;
        try
        {
            expected = dtype.SizeOf();
            foreach (var dim in shape)
                expected = checked(expected * dim);
        }
        catch (OverflowException e)
        {
            throw new SafetensorsFormatException(path, $"tensor '{name}': shape [{string.Join(", ", shape)}] overflows a 64-bit byte count", e);
        }
        if (end - begin != expected)
            throw new SafetensorsFormatException(path,
                $"tensor '{name}': data_offsets [{begin}, {end}] hold {end - begin} bytes, but {dtypeName} shape [{string.Join(", ", shape)}] needs {expected}");

        return new SafetensorsEntry(name, dtype, shape, begin, end - begin);
    }

    private static long[] ReadNonNegativeIntegers(string path, string name, JsonElement info, string field)
    {
        if (!info.TryGetProperty(field, out var array) || array.ValueKind != JsonValueKind.Array)
            throw new SafetensorsFormatException(path, $"tensor '{name}': missing or non-array '{field}'");
        var values = new long[array.GetArrayLength()];
        var i = 0;
        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out var value) || value < 0)
                throw new SafetensorsFormatException(path, $"tensor '{name}': '{field}' must hold non-negative integers, found {item.GetRawText()}");
            values[i++] = value;
        }
        return values;
    }

    /// <summary>The data region must be covered exactly: contiguous from 0, no overlap, no hole, nothing left over.</summary>
    private static void CheckCoverage(string path, List<SafetensorsEntry> entries, long dataLength)
    {
        entries.Sort((a, b) => a.DataOffset != b.DataOffset
            ? a.DataOffset.CompareTo(b.DataOffset)
            : a.ByteLength.CompareTo(b.ByteLength));
        long position = 0;
        SafetensorsEntry? previous = null;
        foreach (var entry in entries)
        {
            if (entry.DataOffset < position)
                throw new SafetensorsFormatException(path,
                    $"tensor '{entry.Name}' at bytes [{entry.DataOffset}, {entry.DataOffset + entry.ByteLength}) overlaps tensor '{previous!.Name}' ending at {position}");
            if (entry.DataOffset > position)
                throw new SafetensorsFormatException(path,
                    $"hole of {entry.DataOffset - position} bytes before tensor '{entry.Name}' (data must be contiguous: expected it at {position}, found {entry.DataOffset})");
            position = entry.DataOffset + entry.ByteLength;
            previous = entry;
        }
        if (position != dataLength)
            throw new SafetensorsFormatException(path,
                $"data region is {dataLength} bytes but the tensors cover only {position}: {dataLength - position} trailing bytes belong to no tensor");
    }
}
