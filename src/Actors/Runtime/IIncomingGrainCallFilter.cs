namespace Distributed.Actors.Runtime;

/// <summary>Interceptor around every call an activation runs (metrics, logging, auth); call next() to proceed.</summary>
public interface IIncomingGrainCallFilter
{
    Task InvokeAsync(IncomingGrainCallContext context, Func<Task> next);
}
