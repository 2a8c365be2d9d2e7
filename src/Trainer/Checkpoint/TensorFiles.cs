using Distributed.Trainer.Nn;
using Distributed.Trainer.Torch;

namespace Distributed.Trainer.Checkpoint;

/// <summary>Moves tensors between the binding and safetensors files (the byte-level layer of this folder).</summary>
public static class TensorFiles
{
    public static DType ToDType(SafetensorsDtype dtype) => dtype switch
    {
        SafetensorsDtype.F32 => DType.Float32,
        SafetensorsDtype.BF16 => DType.BFloat16,
        SafetensorsDtype.F16 => DType.Float16,
        SafetensorsDtype.F64 => DType.Float64,
        SafetensorsDtype.I64 => DType.Int64,
        SafetensorsDtype.I32 => DType.Int32,
        SafetensorsDtype.I16 => DType.Int16,
        SafetensorsDtype.I8 => DType.Int8,
        SafetensorsDtype.U8 => DType.UInt8,
        SafetensorsDtype.Bool => DType.Bool,
        _ => throw new NotSupportedException($"safetensors dtype {dtype.ToHeaderName()} has no tensor dtype in the binding"),
    };

    public static SafetensorsDtype ToSafetensors(DType dtype) => dtype switch
    {
        DType.Float32 => SafetensorsDtype.F32,
        DType.BFloat16 => SafetensorsDtype.BF16,
        DType.Float16 => SafetensorsDtype.F16,
        DType.Float64 => SafetensorsDtype.F64,
        DType.Int64 => SafetensorsDtype.I64,
        DType.Int32 => SafetensorsDtype.I32,
        DType.Int16 => SafetensorsDtype.I16,
        DType.Int8 => SafetensorsDtype.I8,
        DType.UInt8 => SafetensorsDtype.U8,
        DType.Bool => SafetensorsDtype.Bool,
        _ => throw new NotSupportedException($"{dtype} cannot be stored in safetensors"),
    };

    /// <summary>A new CPU tensor holding a copy of the named tensor's bytes.</summary>
    public static Tensor Read(ISafetensorsSource source, string name)
    {
        var entry = source.GetEntry(name);
        return Tensor.FromBytes(source.GetBytes(name), ToDType(entry.Dtype), entry.Shape);
    }

    /// <summary>Queues a tensor for the writer; its bytes are copied out of the tensor when the file is written.</summary>
    public static void Add(SafetensorsWriter writer, string name, Tensor tensor)
    {
        var nbytes = tensor.NumEl * tensor.DType.ElementSize();
        writer.Add(name, ToSafetensors(tensor.DType), tensor.Shape, stream =>
        {
            var buffer = new byte[nbytes];
            tensor.CopyTo(buffer);
            stream.Write(buffer);
        });
    }

    /// <summary>
    /// Copies every parameter of <paramref name="module"/> from the source, where <paramref name="toFileName"/>
    /// gives each parameter's name in the file (null: not stored there, e.g. a tied output layer). Names in
    /// the file that no parameter claims, and parameters the file lacks, are all listed in one error.
    /// </summary>
    public static void LoadInto(Module module, ISafetensorsSource source, Func<string, string?> toFileName, IEnumerable<string>? ignoredFileNames = null)
    {
        var wanted = module.NamedParameters()
            .Select(x => (x.Name, x.Parameter, File: toFileName(x.Name)))
            .Where(x => x.File is not null)
            .ToList();
        var claimed = wanted.Select(x => x.File!).ToHashSet(StringComparer.Ordinal);
        var ignored = (ignoredFileNames ?? []).ToHashSet(StringComparer.Ordinal);
        var missing = wanted.Where(x => !source.Contains(x.File!)).Select(x => x.File!).ToList();
        var unexpected = source.Names.Where(n => !claimed.Contains(n) && !ignored.Contains(n)).ToList();
        if (missing.Count > 0 || unexpected.Count > 0)
            throw new InvalidDataException(
                $"the checkpoint does not match the model: missing [{string.Join(", ", missing)}], unexpected [{string.Join(", ", unexpected)}]");
        foreach (var (name, parameter, file) in wanted)
        {
            using var scope = TensorScope.Begin();
            var value = Read(source, file!);
            if (!value.Shape.SequenceEqual(parameter.Shape))
                throw new InvalidDataException(
                    $"checkpoint tensor '{file}' has shape [{string.Join(", ", value.Shape)}], the parameter '{name}' has [{string.Join(", ", parameter.Shape)}]");
            using var noGrad = NoGradScope.Begin();
            parameter.Data.Copy_(value);
        }
    }
}
