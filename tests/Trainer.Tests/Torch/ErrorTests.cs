using Distributed.Trainer.Torch;

namespace Distributed.Trainer.Tests.Torch;

// Wrong shapes and dtypes raise exceptions that carry libtorch's message, and the process keeps working.
public sealed class ErrorTests
{
    [Fact]
    public void Shape_mismatch_names_the_op_and_carries_libtorchs_message()
    {
        using var scope = TensorScope.Begin();
        var a = Tensor.Ones([2, 3]);
        var b = Tensor.Ones([4, 5]);
        var e = Assert.Throws<TorchException>(() => a.MatMul(b));
        Assert.Equal("MatMul", e.Op);
        Assert.Contains("cannot be multiplied", e.NativeMessage);
        e = Assert.Throws<TorchException>(() => a + Tensor.Ones([4]));
        Assert.Equal("Add", e.Op);
        Assert.Contains("must match the size", e.NativeMessage);
        e = Assert.Throws<TorchException>(() => a.View(7));
        Assert.Contains("invalid for input of size 6", e.NativeMessage);
        // The process keeps working after each failure.
        Assert.Equal(6.0, (a * 2).Sum().Item() / 2);
    }

    [Fact]
    public void Wrong_dtypes_and_indices_fail_cleanly()
    {
        using var scope = TensorScope.Begin();
        var w = Tensor.Ones([4, 2]);
        var e = Assert.Throws<TorchException>(() => Functional.Embedding(w, Tensor.Ones([3])));
        Assert.Equal("Embedding", e.Op);
        Assert.Contains("Long", e.NativeMessage);
        e = Assert.Throws<TorchException>(() => Functional.Embedding(w, Tensor.FromArray(new long[] { 9 })));
        Assert.Contains("out of range", e.NativeMessage);
        e = Assert.Throws<TorchException>(() => Functional.CrossEntropy(Tensor.Ones([2, 3]), Tensor.FromArray(new long[] { 0, 5 })));
        Assert.Contains("out of bounds", e.NativeMessage);
        var ints = Tensor.FromArray(new long[] { 1, 2 });
        Assert.Throws<InvalidOperationException>(() => ints.ToArray<float>());
        e = Assert.Throws<TorchException>(() => Tensor.Ones([2]).Backward());
        Assert.Contains("does not require grad", e.NativeMessage);
        Assert.Equal(3.0, Functional.Embedding(w, Tensor.FromArray(new long[] { 1, 2, 3 })).Sum().Item() / 2);
    }

    [Fact]
    public void Bad_arguments_on_the_managed_side_say_what_was_expected()
    {
        var e = Assert.Throws<ArgumentException>(() => Tensor.FromSpan<float>(new float[5], [2, 3]));
        Assert.Contains("needs 24 bytes, got 20", e.Message);
        Assert.Throws<ArgumentException>(() => Device.Parse("tpu"));
        Assert.Throws<ArgumentException>(() => DTypeExtensions.Parse("f8"));
        Assert.Equal(Device.Cuda(1), Device.Parse("cuda:1"));
        var cuda = Assert.Throws<TorchException>(() => Tensor.Ones([2], device: Device.Cuda(0)));
        Assert.Contains("CUDA", cuda.NativeMessage);
    }

    [Fact]
    public void A_disposed_tensor_is_refused_not_dereferenced()
    {
        var t = Tensor.Ones([2]);
        t.Dispose();
        Assert.True(t.IsDisposed);
        Assert.Throws<ObjectDisposedException>(() => t.Sum());
    }
}
