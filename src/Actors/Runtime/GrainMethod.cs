using System.Reflection;

namespace Distributed.Actors.Runtime;

/// <summary>
/// One method of a grain interface with everything a call needs precomputed: its wire id, how it interleaves, how
/// to await its result on the grain side and how to hand the result back as the proxy's return type.
/// </summary>
public sealed class GrainMethod
{
    private static readonly MethodInfo FromTaskMethod = typeof(GrainMethod).GetMethod(nameof(FromTaskAsync), BindingFlags.NonPublic | BindingFlags.Static)!;
    private static readonly MethodInfo FromValueTaskMethod = typeof(GrainMethod).GetMethod(nameof(FromValueTaskAsync), BindingFlags.NonPublic | BindingFlags.Static)!;
    private static readonly MethodInfo ToTaskMethod = typeof(GrainMethod).GetMethod(nameof(ToTaskAsync), BindingFlags.NonPublic | BindingFlags.Static)!;
    private static readonly MethodInfo ToValueTaskMethod = typeof(GrainMethod).GetMethod(nameof(ToValueTask), BindingFlags.NonPublic | BindingFlags.Static)!;

    private readonly Func<object, Task<object?>> _awaitResult;
    private readonly Func<Task<object?>, object> _toProxyResult;

    public GrainMethod(MethodInfo method, bool reentrantClass)
    {
        Method = method;
        var parameters = method.GetParameters();
        if (method.IsGenericMethodDefinition || parameters.Any(p => p.ParameterType.IsByRef))
        {
            throw new ArgumentException($"Grain method {method.DeclaringType?.Name}.{method.Name} is generic or has ref/out parameters; a call must be one message with plain arguments.");
        }
        ParameterTypes = [.. parameters.Select(p => p.ParameterType)];
        CancellationTokenIndex = Array.IndexOf(ParameterTypes, typeof(CancellationToken));
        Id = $"{method.Name}({string.Join(",", ParameterTypes.Select(t => t.Name))})";
        Turn = reentrantClass || method.IsDefined(typeof(AlwaysInterleaveAttribute)) ? TurnKind.Interleave
            : method.IsDefined(typeof(ReadOnlyAttribute)) ? TurnKind.Shared
            : TurnKind.Exclusive;

        var returnType = method.ReturnType;
        if (returnType == typeof(Task))
        {
            _awaitResult = static r => AwaitTaskAsync((Task)r);
            _toProxyResult = static t => t;
        }
        else if (returnType == typeof(ValueTask))
        {
            _awaitResult = static r => AwaitTaskAsync(((ValueTask)r).AsTask());
            _toProxyResult = static t => new ValueTask(t);
        }
        else if (returnType.IsGenericType && returnType.GetGenericTypeDefinition() == typeof(Task<>))
        {
            ResultType = returnType.GetGenericArguments()[0];
            _awaitResult = FromTaskMethod.MakeGenericMethod(ResultType).CreateDelegate<Func<object, Task<object?>>>();
            _toProxyResult = ToTaskMethod.MakeGenericMethod(ResultType).CreateDelegate<Func<Task<object?>, object>>();
        }
        else if (returnType.IsGenericType && returnType.GetGenericTypeDefinition() == typeof(ValueTask<>))
        {
            ResultType = returnType.GetGenericArguments()[0];
            _awaitResult = FromValueTaskMethod.MakeGenericMethod(ResultType).CreateDelegate<Func<object, Task<object?>>>();
            _toProxyResult = ToValueTaskMethod.MakeGenericMethod(ResultType).CreateDelegate<Func<Task<object?>, object>>();
        }
        else
        {
            throw new ArgumentException($"Grain method {method.DeclaringType?.Name}.{method.Name} returns {returnType.Name}; grain methods return Task, Task<T>, ValueTask or ValueTask<T>.");
        }
    }

    /// <summary>Stable id on the wire: name plus parameter type names, so overloads stay apart.</summary>
    public string Id { get; }

    public MethodInfo Method { get; }

    public Type[] ParameterTypes { get; }

    /// <summary>Index of a CancellationToken parameter (the runtime fills it with the call's token), or -1.</summary>
    public int CancellationTokenIndex { get; }

    /// <summary>The T of Task&lt;T&gt;/ValueTask&lt;T&gt;, null for Task/ValueTask.</summary>
    public Type? ResultType { get; }

    public TurnKind Turn { get; }

    /// <summary>Calls the grain and awaits whatever awaitable it returned.</summary>
    public Task<object?> InvokeAsync(object grain, object?[] arguments)
    {
        var returned = Method.Invoke(grain, BindingFlags.DoNotWrapExceptions, null, arguments, null)
            ?? throw new InvalidOperationException($"Grain method {Id} returned null instead of a task.");
        return _awaitResult(returned);
    }

    /// <summary>Turns the runtime's untyped result into the proxy method's return type.</summary>
    public object ToProxyResult(Task<object?> result) => _toProxyResult(result);

    private static async Task<object?> AwaitTaskAsync(Task task)
    {
        await task;
        return null;
    }

    private static async Task<object?> FromTaskAsync<T>(object task) => await (Task<T>)task;

    private static async Task<object?> FromValueTaskAsync<T>(object task) => await (ValueTask<T>)task;

    private static async Task<T> ToTaskAsync<T>(Task<object?> task) => (T)(await task)!;

    private static ValueTask<T> ToValueTask<T>(Task<object?> task) => new(ToTaskAsync<T>(task));
}
