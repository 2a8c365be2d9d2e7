namespace Distributed.Trainer.Torch;

/// <summary>Device kinds; the values are c10::DeviceType's.</summary>
public enum DeviceType
{
    Cpu = 0,
    Cuda = 1,
}

/// <summary>A device: "cpu" or "cuda:N".</summary>
public readonly record struct Device(DeviceType Type, int Index)
{
    public static readonly Device Cpu = new(DeviceType.Cpu, -1);

    public static Device Cuda(int index = 0) => new(DeviceType.Cuda, index);

    public bool IsCuda => Type == DeviceType.Cuda;

    public static Device Parse(string text)
    {
        var s = text.Trim().ToLowerInvariant();
        if (s == "cpu") return Cpu;
        if (s == "cuda") return Cuda(0);
        if (s.StartsWith("cuda:", StringComparison.Ordinal) && int.TryParse(s.AsSpan(5), out var index) && index >= 0)
            return Cuda(index);
        throw new ArgumentException($"unknown device '{text}': expected 'cpu', 'cuda' or 'cuda:N'", nameof(text));
    }

    public override string ToString() => Type == DeviceType.Cpu ? "cpu" : $"cuda:{Index}";
}
