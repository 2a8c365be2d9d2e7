namespace Distributed.Trainer.Torch;

/// <summary>A libtorch operation failed. <see cref="Op"/> names the operation; the message is libtorch's own.</summary>
public sealed class TorchException(string op, string nativeMessage)
    : Exception($"{op} failed: {nativeMessage}")
{
    public string Op { get; } = op;

    public string NativeMessage { get; } = nativeMessage;
}
