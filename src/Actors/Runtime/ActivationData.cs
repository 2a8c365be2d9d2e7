using Distributed.Actors.GrainDirectory;
using Distributed.Actors.Messaging;
using Distributed.Actors.State;
using Microsoft.Extensions.Logging;

namespace Distributed.Actors.Runtime;

/// <summary>
/// One activation: registers itself in the directory (it only runs if it won), builds the grain, reads its state,
/// runs OnActivateAsync, then admits calls and timer ticks through its <see cref="TurnGate"/>.
/// </summary>
public sealed partial class ActivationData
{
    private readonly object _sync = new();
    private readonly Catalog _catalog;
    private readonly GrainTypeInfo _type;
    private readonly ILogger _logger;
    private readonly Dictionary<string, object> _logScope;
    private readonly TurnGate _gate = new();
    private readonly ActivationTaskScheduler _scheduler = new();
    private readonly List<GrainTimer> _timers = [];
    private Task? _activation;
    private Task? _deactivation;
    private Grain? _grain;
    private long _lastUsedTicks;
    private int _running;
    private volatile bool _deactivationRequested;

    internal ActivationData(GrainId grainId, GrainTypeInfo type, SiloRuntime runtime, Catalog catalog)
    {
        GrainId = grainId;
        _type = type;
        Runtime = runtime;
        _catalog = catalog;
        ActivationId = Guid.NewGuid().ToString("N");
        Address = new GrainAddress(grainId, runtime.Silo.SiloId, runtime.Silo.Endpoint, ActivationId);
        _logger = runtime.LoggerFactory.CreateLogger(type.GrainClass);
        _logScope = new() { ["GrainId"] = grainId.ToString(), ["ActivationId"] = ActivationId };
        ActivatedAt = runtime.Time.GetUtcNow();
        Touch();
    }

    public GrainId GrainId { get; }

    public string ActivationId { get; }

    public GrainAddress Address { get; }

    public SiloRuntime Runtime { get; }

    public ActivationState State { get; private set; } = ActivationState.Creating;

    public DateTimeOffset ActivatedAt { get; }

    public DateTimeOffset LastUsed => new(Interlocked.Read(ref _lastUsedTicks), TimeSpan.Zero);

    /// <summary>Idle means no call running or waiting; timers do not count.</summary>
    public bool IsIdle => _gate.IsIdle && Volatile.Read(ref _running) == 0;

    public ActivationInfo ToInfo() => new(GrainId, ActivationId, Runtime.Silo.Name, _type.GrainClass.Name, ActivatedAt, LastUsed);

    /// <summary>Runs one call; throws <see cref="ActivationGoneException"/> when this activation cannot take it.</summary>
    public async Task<object?> InvokeAsync(GrainMethod method, object?[] arguments, CancellationToken cancellationToken)
    {
        await EnsureActivatedAsync().WaitAsync(cancellationToken);
        Interlocked.Increment(ref _running);
        try
        {
            await _gate.EnterAsync(method.Turn, cancellationToken);
            try
            {
                if (State != ActivationState.Valid)
                {
                    throw new ActivationGoneException(GrainId);
                }
                Touch();
                if (method.CancellationTokenIndex >= 0)
                {
                    arguments[method.CancellationTokenIndex] = cancellationToken;
                }
                using var scope = _logger.BeginScope(_logScope);
                var context = new IncomingGrainCallContext(_grain!, method, arguments);
                await InvokeFilterAsync(context, 0);
                return context.Result;
            }
            finally
            {
                Touch();
                _gate.Exit(method.Turn);
            }
        }
        finally
        {
            Interlocked.Decrement(ref _running);
            if (_deactivationRequested && IsIdle)
            {
                _ = DeactivateAsync(DeactivationReason.Requested);
            }
        }
    }

    internal Task EnsureActivatedAsync()
    {
        lock (_sync)
        {
            return _activation ??= Task.Run(ActivateAsync);
        }
    }

    internal IDisposable RegisterTimer(Func<CancellationToken, Task> callback, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new GrainTimer(this, callback, dueTime, period, Runtime.Time);
        lock (_sync)
        {
            _timers.Add(timer);
        }
        return timer;
    }

    internal void RemoveTimer(GrainTimer timer)
    {
        lock (_sync)
        {
            _timers.Remove(timer);
        }
    }

    internal async Task RunTimerTickAsync(Func<CancellationToken, Task> callback)
    {
        var turn = _type.GrainClass.IsDefined(typeof(ReentrantAttribute), inherit: true) ? TurnKind.Interleave : TurnKind.Exclusive;
        await _gate.EnterAsync(turn, CancellationToken.None);
        try
        {
            if (State != ActivationState.Valid)
            {
                return;
            }
            using var scope = _logger.BeginScope(_logScope);
            await RunOnActivationAsync(() => callback(CancellationToken.None));
        }
        catch (Exception ex)
        {
            LogTimerFailed(ex, GrainId.ToString());
        }
        finally
        {
            _gate.Exit(turn);
        }
    }

    internal void RequestDeactivation() => _deactivationRequested = true;

    /// <summary>Waits for running calls, runs OnDeactivateAsync, and removes the activation from catalog and directory.</summary>
    public Task DeactivateAsync(DeactivationReason reason)
    {
        lock (_sync)
        {
            return _deactivation ??= DeactivateCoreAsync(reason);
        }
    }

    private async Task ActivateAsync()
    {
        GrainAddress winner;
        try
        {
            winner = await Runtime.Directory.RegisterAsync(Address, CancellationToken.None);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The directory is unreachable (etcd down): nothing ran yet, so the caller may retry until its deadline.
            State = ActivationState.Deactivated;
            _catalog.Remove(this);
            throw new SiloUnavailableException($"Cannot register {GrainId} in the grain directory: {ex.Message}", ex);
        }
        if (winner != Address)
        {
            // Another silo activated the grain first: this activation never runs, the caller is forwarded to the winner.
            State = ActivationState.Deactivated;
            _catalog.Remove(this);
            throw new ActivationGoneException(GrainId);
        }
        try
        {
            var (grain, states) = GrainActivator.Create(_type.GrainClass, GrainId, Runtime.Services);
            grain.Activation = this;
            _grain = grain;
            foreach (var state in states)
            {
                await state.ReadStateAsync(CancellationToken.None);
            }
            using var scope = _logger.BeginScope(_logScope);
            await RunOnActivationAsync(() => grain.OnActivateAsync(CancellationToken.None));
            State = ActivationState.Valid;
            LogActivated(GrainId.ToString(), ActivationId, Runtime.Silo.Name);
        }
        catch (Exception ex)
        {
            LogActivationFailed(ex, GrainId.ToString());
            State = ActivationState.Deactivated;
            _catalog.Remove(this);
            await Runtime.Directory.UnregisterAsync(Address, CancellationToken.None);
            throw;
        }
    }

    private async Task DeactivateCoreAsync(DeactivationReason reason)
    {
        try
        {
            await (_activation ?? Task.CompletedTask);
        }
        catch (Exception)
        {
            // A failed activation already cleaned up after itself.
            return;
        }
        await _gate.EnterAsync(TurnKind.Exclusive, CancellationToken.None);
        try
        {
            State = ActivationState.Deactivating;
            GrainTimer[] timers;
            lock (_sync)
            {
                timers = [.. _timers];
            }
            foreach (var timer in timers)
            {
                timer.Dispose();
            }
            using (_logger.BeginScope(_logScope))
            {
                using var timeout = new CancellationTokenSource(Runtime.Options.DeactivationTimeout, Runtime.Time);
                try
                {
                    await RunOnActivationAsync(() => _grain!.OnDeactivateAsync(reason, timeout.Token));
                }
                catch (Exception ex)
                {
                    LogDeactivateFailed(ex, GrainId.ToString());
                }
            }
            _catalog.Remove(this);
            if (reason != DeactivationReason.DuplicateActivation)
            {
                try
                {
                    await Runtime.Directory.UnregisterAsync(Address, CancellationToken.None);
                }
                catch (Exception ex)
                {
                    // The entry is bound to this silo's lease, so it cannot outlive the silo anyway.
                    LogUnregisterFailed(ex, GrainId.ToString());
                }
            }
            State = ActivationState.Deactivated;
            LogDeactivated(GrainId.ToString(), ActivationId, reason);
        }
        finally
        {
            _gate.Exit(TurnKind.Exclusive);
        }
    }

    private Task InvokeFilterAsync(IncomingGrainCallContext context, int index)
    {
        var filters = Runtime.Filters;
        if (index < filters.Length)
        {
            return filters[index].InvokeAsync(context, () => InvokeFilterAsync(context, index + 1));
        }
        return InvokeGrainAsync(context);
    }

    private async Task InvokeGrainAsync(IncomingGrainCallContext context) =>
        context.Result = await RunOnActivationAsync(() => context.Method.InvokeAsync(context.Grain, context.Arguments));

    /// <summary>Runs grain code on this activation's scheduler, where every await inside it resumes.</summary>
    private Task<T> RunOnActivationAsync<T>(Func<Task<T>> code)
    {
        var start = new Task<Task<T>>(code, TaskCreationOptions.DenyChildAttach);
        _scheduler.RunOrQueue(start);
        return start.Unwrap();
    }

    private Task RunOnActivationAsync(Func<Task> code)
    {
        var start = new Task<Task>(code, TaskCreationOptions.DenyChildAttach);
        _scheduler.RunOrQueue(start);
        return start.Unwrap();
    }

    private void Touch() => Interlocked.Exchange(ref _lastUsedTicks, Runtime.Time.GetUtcNow().UtcTicks);

    [LoggerMessage(EventId = 300, Level = LogLevel.Debug, Message = "Activated {GrainId} as {ActivationId} on {SiloName}")]
    private partial void LogActivated(string grainId, string activationId, string siloName);

    [LoggerMessage(EventId = 301, Level = LogLevel.Debug, Message = "Deactivated {GrainId} ({ActivationId}): {Reason}")]
    private partial void LogDeactivated(string grainId, string activationId, DeactivationReason reason);

    [LoggerMessage(EventId = 302, Level = LogLevel.Error, Message = "Activation of {GrainId} failed")]
    private partial void LogActivationFailed(Exception exception, string grainId);

    [LoggerMessage(EventId = 303, Level = LogLevel.Warning, Message = "OnDeactivateAsync of {GrainId} failed")]
    private partial void LogDeactivateFailed(Exception exception, string grainId);

    [LoggerMessage(EventId = 304, Level = LogLevel.Warning, Message = "Timer tick of {GrainId} failed")]
    private partial void LogTimerFailed(Exception exception, string grainId);

    [LoggerMessage(EventId = 305, Level = LogLevel.Warning, Message = "Removing the directory entry of {GrainId} failed")]
    private partial void LogUnregisterFailed(Exception exception, string grainId);
}
