using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Distributed.Trainer.Torch.Interop;
using static Distributed.Trainer.Torch.Interop.NativeMethods;

namespace Distributed.Trainer.Torch;

/// <summary>
/// A libtorch tensor. It contains the SafeHandle that owns the native tensor; dispose it, or create it
/// inside a <see cref="TensorScope"/> that disposes it. Every operation returns a new tensor (a new handle,
/// possibly a view of the same storage) unless its name ends in an underscore (in place).
/// </summary>
public sealed unsafe partial class Tensor : IDisposable
{
    internal readonly TensorHandle Handle;
    private long[]? _shape;

    internal Tensor(TensorHandle handle)
    {
        Handle = handle;
        TensorScope.Track(this);
    }

    public bool IsDisposed => Handle.IsClosed;

    public void Dispose() => Handle.Dispose();

    // --- Properties

    public int Dim
    {
        get
        {
            Check.Ok(dst_tensor_ndim(Handle, out var n), nameof(Dim));
            return n;
        }
    }

    /// <summary>The sizes of every dimension. Cached: no operation changes a tensor's shape in place.</summary>
    public long[] Shape
    {
        get
        {
            if (_shape is not null) return _shape;
            var shape = new long[Dim];
            fixed (long* p = shape) Check.Ok(dst_tensor_shape(Handle, p), nameof(Shape));
            return _shape = shape;
        }
    }

    public long Size(int dim) => Shape[dim < 0 ? dim + Shape.Length : dim];

    public long[] Strides
    {
        get
        {
            var strides = new long[Dim];
            fixed (long* p = strides) Check.Ok(dst_tensor_strides(Handle, p), nameof(Strides));
            return strides;
        }
    }

    public long NumEl
    {
        get
        {
            Check.Ok(dst_tensor_numel(Handle, out var n), nameof(NumEl));
            return n;
        }
    }

    public DType DType
    {
        get
        {
            Check.Ok(dst_tensor_dtype(Handle, out var d), nameof(DType));
            return (DType)d;
        }
    }

    public Device Device
    {
        get
        {
            Check.Ok(dst_tensor_device(Handle, out var type, out var index), nameof(Device));
            return new Device((DeviceType)type, index);
        }
    }

    public bool IsContiguous
    {
        get
        {
            Check.Ok(dst_tensor_is_contiguous(Handle, out var r), nameof(IsContiguous));
            return r != 0;
        }
    }

    public bool IsPinned
    {
        get
        {
            Check.Ok(dst_tensor_is_pinned(Handle, out var r), nameof(IsPinned));
            return r != 0;
        }
    }

    /// <summary>The address of the first element (for zero-copy reads of contiguous CPU tensors).</summary>
    public nint DataPointer
    {
        get
        {
            Check.Ok(dst_tensor_data_ptr(Handle, out var p), nameof(DataPointer));
            return p;
        }
    }

    /// <summary>True when both tensors are views of the same storage.</summary>
    public bool SharesStorageWith(Tensor other)
    {
        Check.Ok(dst_tensor_same_storage(Handle, other.Handle, out var r), nameof(SharesStorageWith));
        return r != 0;
    }

    public override string ToString() =>
        IsDisposed ? "Tensor(disposed)" : $"Tensor({DType}, [{string.Join(", ", Shape)}], {Device})";

    // --- Creation

    /// <summary>A new tensor holding a copy of <paramref name="data"/> (row-major) with the given shape.</summary>
    public static Tensor FromSpan<T>(ReadOnlySpan<T> data, ReadOnlySpan<long> shape, Device? device = null) where T : unmanaged =>
        FromBytes(MemoryMarshal.AsBytes(data), DTypeExtensions.Of<T>(), shape, device);

    /// <summary>A new (rows, columns) tensor holding a copy of a rectangular array.</summary>
    public static Tensor FromMatrix<T>(T[,] data, Device? device = null) where T : unmanaged =>
        FromSpan<T>(data.Length == 0 ? [] : MemoryMarshal.CreateReadOnlySpan(ref data[0, 0], data.Length),
            [data.GetLength(0), data.GetLength(1)], device);

    public static Tensor FromArray<T>(T[] data, params long[] shape) where T : unmanaged =>
        FromSpan<T>(data, shape.Length == 0 ? [data.Length] : shape);

    /// <summary>A new tensor from raw little-endian element bytes (bf16 and f16 too).</summary>
    public static Tensor FromBytes(ReadOnlySpan<byte> bytes, DType dtype, ReadOnlySpan<long> shape, Device? device = null)
    {
        long count = 1;
        foreach (var d in shape)
        {
            if (d < 0) throw new ArgumentException($"FromBytes: negative dimension {d} in shape [{string.Join(", ", shape.ToArray())}]", nameof(shape));
            count *= d;
        }
        if (count * dtype.ElementSize() != bytes.Length)
            throw new ArgumentException(
                $"FromBytes: shape [{string.Join(", ", shape.ToArray())}] of {dtype} needs {count * dtype.ElementSize()} bytes, got {bytes.Length}",
                nameof(bytes));
        var dev = device ?? Device.Cpu;
        // from_blob needs a non-null address even for zero elements.
        byte dummy = 0;
        fixed (byte* p = bytes)
        fixed (long* s = shape)
        {
            var rc = dst_tensor_from_data(p == null ? &dummy : p, s, shape.Length, (int)dtype, (int)dev.Type, dev.Index, out var h);
            return Check.Result(rc, h, nameof(FromBytes));
        }
    }

    public static Tensor Scalar(double value, DType dtype = DType.Float32, Device? device = null) =>
        Full([], value, dtype, device);

    public static Tensor Empty(ReadOnlySpan<long> shape, DType dtype = DType.Float32, Device? device = null, bool pinned = false)
    {
        var dev = device ?? Device.Cpu;
        fixed (long* s = shape)
            return Check.Result(dst_tensor_empty(s, shape.Length, (int)dtype, (int)dev.Type, dev.Index, pinned ? 1 : 0, out var h), h, nameof(Empty));
    }

    public static Tensor Zeros(ReadOnlySpan<long> shape, DType dtype = DType.Float32, Device? device = null)
    {
        var dev = device ?? Device.Cpu;
        fixed (long* s = shape)
            return Check.Result(dst_tensor_zeros(s, shape.Length, (int)dtype, (int)dev.Type, dev.Index, out var h), h, nameof(Zeros));
    }

    public static Tensor Ones(ReadOnlySpan<long> shape, DType dtype = DType.Float32, Device? device = null)
    {
        var dev = device ?? Device.Cpu;
        fixed (long* s = shape)
            return Check.Result(dst_tensor_ones(s, shape.Length, (int)dtype, (int)dev.Type, dev.Index, out var h), h, nameof(Ones));
    }

    public static Tensor Full(ReadOnlySpan<long> shape, double value, DType dtype = DType.Float32, Device? device = null)
    {
        var dev = device ?? Device.Cpu;
        fixed (long* s = shape)
            return Check.Result(dst_tensor_full(s, shape.Length, value, (int)dtype, (int)dev.Type, dev.Index, out var h), h, nameof(Full));
    }

    public static Tensor Arange(double start, double end, double step = 1, DType dtype = DType.Int64, Device? device = null)
    {
        var dev = device ?? Device.Cpu;
        return Check.Result(dst_tensor_arange(start, end, step, (int)dtype, (int)dev.Type, dev.Index, out var h), h, nameof(Arange));
    }

    public static Tensor Arange(long end, DType dtype = DType.Int64, Device? device = null) => Arange(0, end, 1, dtype, device);

    /// <summary>Standard normal samples. With a CPU generator the draw is the same on every device.</summary>
    public static Tensor Randn(ReadOnlySpan<long> shape, Generator? generator = null, DType dtype = DType.Float32, Device? device = null)
    {
        var dev = device ?? Device.Cpu;
        fixed (long* s = shape)
            return Check.Result(dst_tensor_randn(s, shape.Length, generator?.Handle ?? GeneratorHandle.Null, (int)dtype, (int)dev.Type, dev.Index, out var h), h, nameof(Randn));
    }

    /// <summary>Uniform samples in [0, 1).</summary>
    public static Tensor Rand(ReadOnlySpan<long> shape, Generator? generator = null, DType dtype = DType.Float32, Device? device = null)
    {
        var dev = device ?? Device.Cpu;
        fixed (long* s = shape)
            return Check.Result(dst_tensor_rand(s, shape.Length, generator?.Handle ?? GeneratorHandle.Null, (int)dtype, (int)dev.Type, dev.Index, out var h), h, nameof(Rand));
    }

    /// <summary>Integers uniform in [low, high).</summary>
    public static Tensor RandInt(long low, long high, ReadOnlySpan<long> shape, Generator? generator = null, DType dtype = DType.Int64, Device? device = null)
    {
        var dev = device ?? Device.Cpu;
        fixed (long* s = shape)
            return Check.Result(dst_tensor_randint(low, high, s, shape.Length, generator?.Handle ?? GeneratorHandle.Null, (int)dtype, (int)dev.Type, dev.Index, out var h), h, nameof(RandInt));
    }

    public Tensor Normal_(double mean, double std, Generator? generator = null)
    {
        Check.Ok(dst_tensor_normal_(Handle, mean, std, generator?.Handle ?? GeneratorHandle.Null), nameof(Normal_));
        return this;
    }

    public Tensor Uniform_(double from, double to, Generator? generator = null)
    {
        Check.Ok(dst_tensor_uniform_(Handle, from, to, generator?.Handle ?? GeneratorHandle.Null), nameof(Uniform_));
        return this;
    }

    // --- Data movement

    /// <summary>Copies the elements (row-major, from any device) into a new array; T must match the dtype.</summary>
    public T[] ToArray<T>() where T : unmanaged
    {
        var dtype = DTypeExtensions.Of<T>();
        if (dtype != DType)
            throw new InvalidOperationException($"ToArray<{typeof(T).Name}>: the tensor is {DType}; convert it with To({dtype}) first");
        var result = new T[NumEl];
        CopyTo(MemoryMarshal.AsBytes(result.AsSpan()));
        return result;
    }

    /// <summary>The elements as float32 values, whatever the dtype (bf16 and f16 widen exactly).</summary>
    public float[] ToFloatArray()
    {
        if (DType == DType.Float32) return ToArray<float>();
        using var f = To(DType.Float32);
        return f.ToArray<float>();
    }

    public double[] ToDoubleArray()
    {
        if (DType == DType.Float64) return ToArray<double>();
        using var f = To(DType.Float64);
        return f.ToArray<double>();
    }

    public long[] ToLongArray()
    {
        if (DType == DType.Int64) return ToArray<long>();
        using var f = To(DType.Int64);
        return f.ToArray<long>();
    }

    /// <summary>Copies the raw element bytes into <paramref name="destination"/>, which must be exactly that size.</summary>
    public void CopyTo(Span<byte> destination)
    {
        fixed (byte* p = destination)
            Check.Ok(dst_tensor_copy_to_host(Handle, p, destination.Length), nameof(CopyTo));
    }

    /// <summary>Overwrites this tensor's elements from raw element bytes on the host.</summary>
    public void CopyFrom(ReadOnlySpan<byte> source)
    {
        fixed (byte* p = source)
            Check.Ok(dst_tensor_copy_from_host(Handle, p, source.Length), nameof(CopyFrom));
    }

    public double Item()
    {
        Check.Ok(dst_tensor_item_double(Handle, out var v), nameof(Item));
        return v;
    }

    public long ItemLong()
    {
        Check.Ok(dst_tensor_item_long(Handle, out var v), nameof(ItemLong));
        return v;
    }

    public Tensor To(Device device, DType? dtype = null, bool nonBlocking = false, bool copy = false) =>
        Check.Result(dst_tensor_to(Handle, (int)device.Type, device.Index, (int)(dtype ?? DType), nonBlocking ? 1 : 0, copy ? 1 : 0, out var h), h, nameof(To));

    public Tensor To(DType dtype) => To(Device, dtype);

    /// <summary>A copy in page-locked host memory, for asynchronous host-to-device transfers (needs CUDA).</summary>
    public Tensor PinMemory() => Check.Result(dst_tensor_pin_memory(Handle, out var h), h, nameof(PinMemory));

    public Tensor Copy_(Tensor source, bool nonBlocking = false)
    {
        Check.Ok(dst_tensor_copy_(Handle, source.Handle, nonBlocking ? 1 : 0), nameof(Copy_));
        return this;
    }

    public Tensor Fill_(double value)
    {
        Check.Ok(dst_tensor_fill_(Handle, value), nameof(Fill_));
        return this;
    }

    public Tensor Zero_()
    {
        Check.Ok(dst_tensor_zero_(Handle), nameof(Zero_));
        return this;
    }

    public Tensor Clone() => Check.Result(dst_tensor_clone(Handle, out var h), h, nameof(Clone));

    /// <summary>A second handle to the same tensor (same storage, same autograd identity).</summary>
    public Tensor Alias() => Check.Result(dst_tensor_alias(Handle, out var h), h, nameof(Alias));

    // Passes a list of tensors to the shim as raw handles, holding a reference on each for the call.
    internal static TResult WithHandles<TResult>(IReadOnlyList<Tensor> tensors, Func<nint[], TResult> call)
    {
        var handles = new nint[tensors.Count];
        var added = 0;
        try
        {
            for (; added < tensors.Count; added++)
            {
                var success = false;
                tensors[added].Handle.DangerousAddRef(ref success);
                handles[added] = tensors[added].Handle.DangerousGetHandle();
            }
            return call(handles);
        }
        finally
        {
            for (var i = 0; i < added; i++) tensors[i].Handle.DangerousRelease();
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static TensorHandle HandleOrNull(Tensor? t) => t?.Handle ?? TensorHandle.Null;
}
