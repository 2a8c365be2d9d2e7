using System.Buffers;
using Orleans.Serialization;

namespace Distributed.Grains.Messaging;

/// <summary>
/// Measures what a value serializes to with Orleans' serializer, without keeping the bytes: a buffer writer that
/// counts and reuses one scratch buffer per thread, and stops as soon as the count passes the limit.
/// </summary>
internal static class SerializedSize
{
    [ThreadStatic]
    private static CountingBufferWriter? _writer;

    /// <summary>Whether a value may serialize to <paramref name="threshold"/> bytes or more; cheap, no serialization.</summary>
    /// <remarks>Strings and arrays of primitives are sized without serializing. Collections and other arrays may hold
    /// anything and say yes. Other objects (records) say <paramref name="objects"/>: the argument guard measures them,
    /// the result guard trusts them (see <see cref="ResultSizeGuard"/>).</remarks>
    public static bool CouldReach(object? value, long threshold, bool objects) => value switch
    {
        null => false,
        string s => (long)s.Length * 3 >= threshold,
        Array a when a.GetType().GetElementType() is { IsPrimitive: true } => Buffer.ByteLength(a) >= threshold,
        Array a => a.Length > 0,
        System.Collections.ICollection c => c.Count > 0,
        Enum or Guid or DateTime or DateTimeOffset or TimeSpan or decimal or CancellationToken or IAddressable => false,
        _ => objects && !value.GetType().IsPrimitive,
    };

    /// <summary>The serialized size of <paramref name="value"/>, or the first count past <paramref name="limit"/>.</summary>
    public static long Measure(Serializer serializer, object value, long limit)
    {
        var writer = _writer ??= new CountingBufferWriter();
        writer.Reset(limit);
        try
        {
            serializer.Serialize<object, CountingBufferWriter>(value, writer);
        }
        catch (LimitReachedException)
        {
            // Stopped early: the value is too large, and serializing the rest would only cost time.
        }
        return writer.Count;
    }

    private sealed class LimitReachedException : Exception;

    private sealed class CountingBufferWriter : IBufferWriter<byte>
    {
        private byte[] _scratch = new byte[4096];
        private long _limit;

        public long Count { get; private set; }

        public void Reset(long limit)
        {
            Count = 0;
            _limit = limit;
        }

        public void Advance(int count)
        {
            Count += count;
            if (Count > _limit) throw new LimitReachedException();
        }

        public Memory<byte> GetMemory(int sizeHint = 0) => Scratch(sizeHint);

        public Span<byte> GetSpan(int sizeHint = 0) => Scratch(sizeHint);

        private byte[] Scratch(int sizeHint)
        {
            // The bytes are never read: one buffer, grown to the largest request, serves every write.
            if (sizeHint > _scratch.Length) _scratch = new byte[Math.Max(sizeHint, _scratch.Length * 2)];
            return _scratch;
        }
    }
}
