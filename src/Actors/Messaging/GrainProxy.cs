using System.Reflection;
using Distributed.Actors.Runtime;

namespace Distributed.Actors.Messaging;

/// <summary>The object behind a grain reference: every interface method becomes a routed call.</summary>
public class GrainProxy : DispatchProxy
{
    private CallRouter? _router;
    private GrainTypeInfo? _type;
    private GrainId _grainId;

    internal void Initialize(CallRouter router, GrainTypeInfo type, GrainId grainId)
    {
        _router = router;
        _type = type;
        _grainId = grainId;
    }

    public override string ToString() => $"GrainReference({_grainId})";

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        var method = _type!.ByMethod[targetMethod];
        var arguments = args ?? [];
        var cancellationToken = method.CancellationTokenIndex >= 0 ? (CancellationToken)arguments[method.CancellationTokenIndex]! : CancellationToken.None;
        return method.ToProxyResult(_router!.InvokeAsync(_type, _grainId, method, arguments, cancellationToken));
    }
}
