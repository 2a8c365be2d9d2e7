using Distributed.Trainer.Torch;

namespace Distributed.Trainer.Models;

/// <summary>
/// Rotary position embeddings as Hugging Face's Llama computes them: inv_freq = theta^(-2i/d), angles
/// position · inv_freq duplicated over both halves, cos/sin in float32 then cast to the activations' dtype,
/// and rotate_half(x) = cat(-x2, x1).
/// </summary>
public sealed class Rope : IDisposable
{
    private readonly Tensor _cos; // (maxPositions, headDim), float32, CPU
    private readonly Tensor _sin;
    private readonly Dictionary<(Device, DType), (Tensor Cos, Tensor Sin)> _onDevice = [];

    public Rope(int headDim, int maxPositions, double theta)
    {
        var half = headDim / 2;
        var cos = new float[maxPositions * headDim];
        var sin = new float[maxPositions * headDim];
        for (var i = 0; i < half; i++)
        {
            // float32 as in HF: inv_freq is float32, and the product position * inv_freq is formed in float32.
            var invFreq = (float)(1.0 / Math.Pow(theta, 2.0 * i / headDim));
            for (var p = 0; p < maxPositions; p++)
            {
                var angle = p * invFreq;
                cos[p * headDim + i] = cos[p * headDim + i + half] = MathF.Cos(angle);
                sin[p * headDim + i] = sin[p * headDim + i + half] = MathF.Sin(angle);
            }
        }
        _cos = Tensor.FromSpan<float>(cos, [maxPositions, headDim]);
        _sin = Tensor.FromSpan<float>(sin, [maxPositions, headDim]);
        TensorScope.Untrack(_cos);
        TensorScope.Untrack(_sin);
    }

    /// <summary>Rotates (B, H, T, D) queries or keys by the (B, T) integer positions.</summary>
    public Tensor Apply(Tensor x, Tensor positions)
    {
        var (cosTable, sinTable) = Tables(x.Device, x.DType);
        var flat = positions.Reshape(-1);
        var shape = new[] { positions.Size(0), 1, positions.Size(1), x.Size(-1) };
        var cos = cosTable.IndexSelect(0, flat).View(shape); // (B, 1, T, D)
        var sin = sinTable.IndexSelect(0, flat).View(shape);
        var half = x.Size(-1) / 2;
        var rotated = Tensor.Cat([x.Narrow(-1, half, half).Neg(), x.Narrow(-1, 0, half)], -1);
        return x * cos + rotated * sin;
    }

    private (Tensor, Tensor) Tables(Device device, DType dtype)
    {
        if (_onDevice.TryGetValue((device, dtype), out var t)) return t;
        var cos = _cos.To(device, dtype);
        var sin = _sin.To(device, dtype);
        TensorScope.Untrack(cos);
        TensorScope.Untrack(sin);
        return _onDevice[(device, dtype)] = (cos, sin);
    }

    public void Dispose()
    {
        _cos.Dispose();
        _sin.Dispose();
        foreach (var (cos, sin) in _onDevice.Values)
        {
            cos.Dispose();
            sin.Dispose();
        }
        _onDevice.Clear();
    }
}
