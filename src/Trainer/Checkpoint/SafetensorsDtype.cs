namespace Distributed.Trainer.Checkpoint;

/// <summary>
/// Element types of the safetensors format. The declaration order is the reference implementation's
/// (increasing alignment): the writer sorts tensors by descending dtype in this order, then by name, so
/// our files lay out their data exactly as Python safetensors does. Sub-byte types (F4, F6_*) are not
/// supported: no model this project trains uses them, and their byte size is not an integer per element.
/// </summary>
public enum SafetensorsDtype
{
    Bool,
    U8,
    I8,
    F8E5M2,
    F8E4M3,
    F8E8M0,
    I16,
    U16,
    F16,
    BF16,
    I32,
    U32,
    F32,
    C64,
    F64,
    I64,
    U64,
}

public static class SafetensorsDtypes
{
    /// <summary>Bytes per element.</summary>
    public static int SizeOf(this SafetensorsDtype dtype) => dtype switch
    {
        SafetensorsDtype.Bool or SafetensorsDtype.U8 or SafetensorsDtype.I8
            or SafetensorsDtype.F8E5M2 or SafetensorsDtype.F8E4M3 or SafetensorsDtype.F8E8M0 => 1,
        SafetensorsDtype.I16 or SafetensorsDtype.U16 or SafetensorsDtype.F16 or SafetensorsDtype.BF16 => 2,
        SafetensorsDtype.I32 or SafetensorsDtype.U32 or SafetensorsDtype.F32 => 4,
        SafetensorsDtype.C64 or SafetensorsDtype.F64 or SafetensorsDtype.I64 or SafetensorsDtype.U64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "not a safetensors dtype"),
    };

    /// <summary>The name used in the file header ("F32", "BF16", "F8_E4M3", ...).</summary>
    public static string ToHeaderName(this SafetensorsDtype dtype) => dtype switch
    {
        SafetensorsDtype.Bool => "BOOL",
        SafetensorsDtype.U8 => "U8",
        SafetensorsDtype.I8 => "I8",
        SafetensorsDtype.F8E5M2 => "F8_E5M2",
        SafetensorsDtype.F8E4M3 => "F8_E4M3",
        SafetensorsDtype.F8E8M0 => "F8_E8M0",
        SafetensorsDtype.I16 => "I16",
        SafetensorsDtype.U16 => "U16",
        SafetensorsDtype.F16 => "F16",
        SafetensorsDtype.BF16 => "BF16",
        SafetensorsDtype.I32 => "I32",
        SafetensorsDtype.U32 => "U32",
        SafetensorsDtype.F32 => "F32",
        SafetensorsDtype.C64 => "C64",
        SafetensorsDtype.F64 => "F64",
        SafetensorsDtype.I64 => "I64",
        SafetensorsDtype.U64 => "U64",
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "not a safetensors dtype"),
    };

    /// <summary>Parses a header dtype name; exact and case-sensitive, as the reference parser is.</summary>
    public static bool TryParseHeaderName(string name, out SafetensorsDtype dtype)
    {
        foreach (var candidate in Enum.GetValues<SafetensorsDtype>())
        {
            if (candidate.ToHeaderName() == name)
            {
                dtype = candidate;
                return true;
            }
        }
        dtype = default;
        return false;
    }
}
