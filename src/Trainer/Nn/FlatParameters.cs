using Distributed.Trainer.Torch;

namespace Distributed.Trainer.Nn;

/// <summary>
/// llm.c's layout: the parameters of a module live in a few flat buffers ("buckets"), each parameter a
/// view into one, and every trainable bucket has a flat gradient buffer of the same size whose views are
/// the parameters' .grad. Backward accumulates into those views in place, so zeroing, clipping, the
/// optimizer, the all-reduce and checkpoint sharding all work on a handful of contiguous tensors, and a
/// bucket can be reduced as soon as backward has finished writing it.
/// Buckets group parameters by (trainable, decays) in module order, and close at <c>bucketElements</c>.
/// </summary>
public sealed class FlatParameters : IDisposable
{
    private readonly List<ParameterBucket> _buckets = [];

    private FlatParameters(Device device, DType dtype)
    {
        Device = device;
        DType = dtype;
    }

    public Device Device { get; }

    public DType DType { get; }

    public IReadOnlyList<ParameterBucket> Buckets => _buckets;

    public IEnumerable<ParameterBucket> TrainableBuckets => _buckets.Where(b => b.Grad is not null);

    public long TrainableElements => TrainableBuckets.Sum(b => b.Elements);

    /// <summary>Moves every parameter of <paramref name="module"/> into flat buckets on the device, in the dtype.</summary>
    /// <param name="copyValues">False for parameters built without initialisation (<see cref="ParameterInit.Skip"/>),
    /// whose values are written later: the buckets are only allocated, saving a pointless copy of gigabytes.</param>
    public static FlatParameters Build(Module module, Device device, DType dtype = DType.Float32, long bucketElements = 1L << 25, bool copyValues = true)
    {
        var flat = new FlatParameters(device, dtype);
        var groups = module.NamedParameters()
            .GroupBy(x => (x.Parameter.Trainable, x.Parameter.Decays))
            .OrderByDescending(g => g.Key.Trainable).ThenByDescending(g => g.Key.Decays);
        foreach (var group in groups)
        {
            var pending = new List<(string, Parameter)>();
            long size = 0;
            foreach (var item in group)
            {
                if (pending.Count > 0 && size + item.Parameter.NumEl > bucketElements)
                {
                    flat._buckets.Add(ParameterBucket.Create(pending, device, dtype, group.Key.Trainable, group.Key.Decays, copyValues));
                    pending = [];
                    size = 0;
                }
                pending.Add(item);
                size += item.Parameter.NumEl;
            }
            if (pending.Count > 0)
                flat._buckets.Add(ParameterBucket.Create(pending, device, dtype, group.Key.Trainable, group.Key.Decays, copyValues));
        }
        return flat;
    }

    /// <summary>Zeroes every gradient buffer in place (the views stay attached to the parameters).</summary>
    public void ZeroGrad()
    {
        foreach (var b in TrainableBuckets) b.Grad!.Zero_();
    }

    public void Dispose()
    {
        foreach (var b in _buckets) b.Dispose();
        _buckets.Clear();
    }
}

/// <summary>One flat buffer of parameters (and of their gradients when trainable).</summary>
public sealed class ParameterBucket : IDisposable
{
    private ParameterBucket(Tensor data, Tensor? grad, IReadOnlyList<(string Name, Parameter Parameter, long Offset)> parameters, bool decays)
    {
        Data = data;
        Grad = grad;
        Parameters = parameters;
        Decays = decays;
    }

    /// <summary>The flat values (1-D); it does not require grad itself, so optimizers update it in place.</summary>
    public Tensor Data { get; }

    /// <summary>The flat gradients (1-D), or null for frozen parameters.</summary>
    public Tensor? Grad { get; }

    public IReadOnlyList<(string Name, Parameter Parameter, long Offset)> Parameters { get; }

    public bool Decays { get; }

    public long Elements => Data.NumEl;

    internal static ParameterBucket Create(List<(string Name, Parameter Parameter)> items, Device device, DType dtype, bool trainable, bool decays, bool copyValues)
    {
        var total = items.Sum(x => x.Parameter.NumEl);
        var data = Tensor.Empty([total], dtype, device);
        var grad = trainable ? Tensor.Zeros([total], dtype, device) : null;
        TensorScope.Untrack(data);
        if (grad is not null) TensorScope.Untrack(grad);
        var placed = new List<(string, Parameter, long)>(items.Count);
        long offset = 0;
        using (NoGradScope.Begin())
        {
            foreach (var (name, p) in items)
            {
                var n = p.NumEl;
                var shape = p.Shape;
                if (copyValues)
                {
                    using var slot = data.Narrow(0, offset, n);
                    using var src = slot.View(shape);
                    src.Copy_(p.Data);
                }
                // The view is made with grad off, so it is a leaf of its own; its .grad is a view of the flat grad.
                using var flatSlot = data.Narrow(0, offset, n);
                var view = flatSlot.View(shape);
                p.Rebind(view);
                if (grad is not null)
                {
                    using var gradSlot = grad.Narrow(0, offset, n);
                    using var gradView = gradSlot.View(shape);
                    view.SetGrad(gradView);
                }
                placed.Add((name, p, offset));
                offset += n;
            }
        }
        return new ParameterBucket(data, grad, placed, decays);
    }

    public void Dispose()
    {
        Data.Dispose();
        Grad?.Dispose();
    }
}
