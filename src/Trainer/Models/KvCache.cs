using Distributed.Trainer.Torch;

namespace Distributed.Trainer.Models;

/// <summary>
/// Keys and values of every layer for the positions processed so far, (B, H_kv, S, D) each, so generation
/// runs each new token through the model once. The cache owns its tensors (outside any TensorScope).
/// </summary>
public sealed class KvCache : IDisposable
{
    private readonly (Tensor? K, Tensor? V)[] _layers;

    public KvCache(int layers) => _layers = new (Tensor?, Tensor?)[layers];

    /// <summary>Positions cached by the calls so far (S); read it between calls.</summary>
    public long Length => LayerLength(0);

    /// <summary>Positions cached in one layer: during a call, the layers before it have already appended.</summary>
    public long LayerLength(int layer) => _layers[layer].K?.Size(2) ?? 0;

    /// <summary>Appends this call's (B, H_kv, L, D) keys and values to the layer's and returns the whole (B, H_kv, S + L, D) pair.</summary>
    public (Tensor K, Tensor V) Append(int layer, Tensor k, Tensor v)
    {
        var (oldK, oldV) = _layers[layer];
        var newK = oldK is null ? k.Contiguous() : Tensor.Cat([oldK, k], 2);
        var newV = oldV is null ? v.Contiguous() : Tensor.Cat([oldV, v], 2);
        // Handles of their own, so the caller's scope may dispose k, v and its own handles freely.
        var keptK = newK.Detach();
        var keptV = newV.Detach();
        TensorScope.Untrack(keptK);
        TensorScope.Untrack(keptV);
        oldK?.Dispose();
        oldV?.Dispose();
        _layers[layer] = (keptK, keptV);
        return (newK, newV);
    }

    /// <summary>
    /// The (L, S + L) bool mask for L new queries after <paramref name="past"/> cached positions: query i sits
    /// at position past + i and sees keys 0..past + i (causal, aligned to the end). Null when none is needed.
    /// </summary>
    public static Tensor? CausalMask(long past, long length, Device device)
    {
        if (length == 1) return null;
        var keys = Tensor.Arange(past + length, device: device).Unsqueeze(0);           // (1, S + L)
        var queries = Tensor.Arange(past, past + length, 1, DType.Int64, device).Unsqueeze(1); // (L, 1)
        return keys.Le(queries);                                                          // (L, S + L)
    }

    public void Dispose()
    {
        foreach (var (k, v) in _layers)
        {
            k?.Dispose();
            v?.Dispose();
        }
        Array.Clear(_layers);
    }
}
