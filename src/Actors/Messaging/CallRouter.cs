using System.Collections.Concurrent;
using System.Text.Json;
using Distributed.Actors.GrainDirectory;
using Distributed.Actors.Membership;
using Distributed.Actors.Placement;
using Distributed.Actors.Runtime;
using Microsoft.Extensions.Logging;

namespace Distributed.Actors.Messaging;

/// <summary>
/// Takes a call to wherever the grain's one activation is: a local activation, the silo the directory names, or a
/// new activation where placement puts it. Calls whose silo was unreachable, or whose activation was gone, are
/// resolved again and retried until the call's deadline.
/// </summary>
public sealed partial class CallRouter(
    GrainTypeRegistry registry,
    Catalog catalog,
    IGrainDirectory directory,
    IMembershipService membership,
    IPlacementDirector placement,
    ISiloTransport transport,
    SiloOptions options,
    TimeProvider time,
    ILogger<CallRouter> logger)
{
    private const int MaxHops = 4;
    private static readonly JsonElement JsonNull = JsonDocument.Parse("null").RootElement;
    private readonly ConcurrentDictionary<GrainId, GrainAddress> _cache = new();

    /// <summary>A call made on this silo (through a grain reference).</summary>
    public async Task<object?> InvokeAsync(GrainTypeInfo type, GrainId grainId, GrainMethod method, object?[] arguments, CancellationToken cancellationToken)
    {
        var timeout = GrainCallScope.Timeout ?? options.ResponseTimeout;
        using var deadline = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        try
        {
            return await RouteAsync(type, grainId, method, arguments, placeHere: false, hops: 0, new Deadline(time, timeout), linked.Token);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"Call {grainId}.{method.Id} did not complete within {timeout.TotalMilliseconds:F0} ms.");
        }
    }

    /// <summary>A call that arrived from another silo; every failure travels back inside the response.</summary>
    public async Task<InvokeResponse> HandleAsync(InvokeRequest request, CancellationToken cancellationToken)
    {
        try
        {
            if (!registry.TryGet(request.GrainType, out var type))
            {
                throw new ArgumentException($"Unknown grain type '{request.GrainType}'.");
            }
            if (!type.ById.TryGetValue(request.Method, out var method))
            {
                throw new ArgumentException($"Grain type '{request.GrainType}' has no method '{request.Method}'.");
            }
            if (request.Arguments.Length != method.ParameterTypes.Length)
            {
                throw new ArgumentException($"{request.GrainType}.{request.Method} takes {method.ParameterTypes.Length} arguments, the request has {request.Arguments.Length}.");
            }
            if (request.Hops > MaxHops)
            {
                throw new InvalidOperationException($"Call to {request.GrainType}/{request.Key} was forwarded {request.Hops} times; the directory is not converging.");
            }
            var arguments = new object?[method.ParameterTypes.Length];
            for (var i = 0; i < arguments.Length; i++)
            {
                arguments[i] = i == method.CancellationTokenIndex ? CancellationToken.None : request.Arguments[i].Deserialize(method.ParameterTypes[i], options.Json);
            }
            var timeout = TimeSpan.FromMilliseconds(Math.Max(1, request.TimeoutMs));
            using var deadline = new CancellationTokenSource(timeout, time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
            object? result;
            try
            {
                result = await RouteAsync(type, new GrainId(request.GrainType, request.Key), method, arguments, request.PlaceHere, request.Hops, new Deadline(time, timeout), linked.Token);
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"Call {request.GrainType}/{request.Key}.{request.Method} did not complete within {timeout.TotalMilliseconds:F0} ms.");
            }
            var element = method.ResultType is null ? (JsonElement?)null : JsonSerializer.SerializeToElement(result, method.ResultType, options.Json);
            return new InvokeResponse(element, null);
        }
        catch (Exception ex)
        {
            return new InvokeResponse(null, new RemoteError(ex.GetType().AssemblyQualifiedName ?? ex.GetType().FullName ?? ex.GetType().Name, ex.Message, ex.StackTrace));
        }
    }

    private async Task<object?> RouteAsync(GrainTypeInfo type, GrainId grainId, GrainMethod method, object?[] arguments, bool placeHere, int hops, Deadline deadline, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                return await RouteOnceAsync(type, grainId, method, arguments, placeHere, hops, deadline, cancellationToken);
            }
            catch (Exception ex) when (ex is SiloUnavailableException or ActivationGoneException && !cancellationToken.IsCancellationRequested)
            {
                _cache.TryRemove(grainId, out _);
                LogRetrying(grainId.ToString(), method.Id, ex.Message);
                if (ex is SiloUnavailableException)
                {
                    await Task.Delay(options.RetryDelay, time, cancellationToken);
                }
            }
        }
    }

    private async Task<object?> RouteOnceAsync(GrainTypeInfo type, GrainId grainId, GrainMethod method, object?[] arguments, bool placeHere, int hops, Deadline deadline, CancellationToken cancellationToken)
    {
        var self = membership.Local;
        if (options.HostsGrains && catalog.Find(grainId) is { } local)
        {
            EnsureLease(self);
            return await local.InvokeAsync(method, arguments, cancellationToken);
        }
        var address = await LookupAsync(grainId, cancellationToken);
        if (address is not null)
        {
            if (address.SiloId == self.SiloId)
            {
                // Our own entry: the activation may have been created here since the catalog was checked above, so look
                // again. Only an entry whose activation left the catalog is stale (removing a live one would let
                // another silo activate the grain a second time).
                if (catalog.Find(grainId) is { } created && created.ActivationId == address.ActivationId)
                {
                    EnsureLease(self);
                    return await created.InvokeAsync(method, arguments, cancellationToken);
                }
                await directory.UnregisterAsync(address, cancellationToken);
                throw new ActivationGoneException(grainId);
            }
            var silo = membership.Current.Find(address.SiloId)
                ?? throw new SiloUnavailableException($"{grainId} is registered on silo {address.SiloId}, which is no longer a member; waiting for its lease to expire.");
            return await SendAsync(silo, type, grainId, method, arguments, placeHere: false, hops, deadline, cancellationToken);
        }
        var target = placeHere ? self : placement.Place(grainId, type.GrainClass, membership.Current);
        if (target.SiloId == self.SiloId && options.HostsGrains)
        {
            EnsureLease(self);
            return await catalog.GetOrCreate(grainId, type).InvokeAsync(method, arguments, cancellationToken);
        }
        return await SendAsync(target, type, grainId, method, arguments, placeHere: true, hops, deadline, cancellationToken);
    }

    private void EnsureLease(SiloInfo self)
    {
        if (!membership.HoldsLease)
        {
            throw new SiloUnavailableException($"Silo {self.Name} cannot confirm its lease, so its grains may have moved; retry shortly.");
        }
    }

    private async Task<GrainAddress?> LookupAsync(GrainId grainId, CancellationToken cancellationToken)
    {
        if (_cache.TryGetValue(grainId, out var cached) && membership.Current.IsLive(cached.SiloId))
        {
            return cached;
        }
        GrainAddress? address;
        try
        {
            address = await directory.LookupAsync(grainId, cancellationToken);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // etcd unreachable (restarting): retry until the call's deadline rather than fail at once.
            throw new SiloUnavailableException($"The grain directory is unreachable while resolving {grainId}: {ex.Message}", ex);
        }
        if (address is not null)
        {
            _cache[grainId] = address;
        }
        return address;
    }

    private async Task<object?> SendAsync(SiloInfo target, GrainTypeInfo type, GrainId grainId, GrainMethod method, object?[] arguments, bool placeHere, int hops, Deadline deadline, CancellationToken cancellationToken)
    {
        var serialized = new JsonElement[arguments.Length];
        for (var i = 0; i < arguments.Length; i++)
        {
            serialized[i] = i == method.CancellationTokenIndex ? JsonNull : JsonSerializer.SerializeToElement(arguments[i], method.ParameterTypes[i], options.Json);
        }
        var request = new InvokeRequest(type.Name, grainId.Key, method.Id, serialized, deadline.RemainingMilliseconds, placeHere, hops + 1);
        var response = await transport.SendAsync(target, request, cancellationToken);
        if (response.Error is { } error)
        {
            throw Rebuild(error);
        }
        return method.ResultType is not null && response.Result is { } result ? result.Deserialize(method.ResultType, options.Json) : null;
    }

    /// <summary>Re-creates the remote exception as its own type when it is loaded here and has a (string) constructor.</summary>
    private static Exception Rebuild(RemoteError error)
    {
        var type = Type.GetType(error.Type, throwOnError: false);
        if (type is not null && typeof(Exception).IsAssignableFrom(type) && type.GetConstructor([typeof(string)]) is { } constructor)
        {
            return (Exception)constructor.Invoke([error.Message]);
        }
        return new RemoteGrainException(error.Type, error.Message, error.StackTrace);
    }

    [LoggerMessage(EventId = 500, Level = LogLevel.Debug, Message = "Retrying {GrainId}.{Method}: {Reason}")]
    private partial void LogRetrying(string grainId, string method, string reason);
}
