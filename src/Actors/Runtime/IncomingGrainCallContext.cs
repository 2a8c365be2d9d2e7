namespace Distributed.Actors.Runtime;

/// <summary>What a call filter sees: the grain, the method, the arguments and, after next(), the result.</summary>
public sealed class IncomingGrainCallContext(Grain grain, GrainMethod method, object?[] arguments)
{
    public Grain Grain { get; } = grain;

    public GrainId GrainId => Grain.GrainId;

    public GrainMethod Method { get; } = method;

    public object?[] Arguments { get; } = arguments;

    public object? Result { get; set; }
}
