using System.Collections.Concurrent;
using Distributed.Actors.GrainDirectory;
using Distributed.Actors.Messaging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Distributed.Actors.Runtime;

/// <summary>
/// The activations of this silo, at most one per grain id here (the directory makes it one per cluster), and the idle
/// collector that deactivates those unused for <see cref="SiloOptions.IdleTimeout"/>.
/// </summary>
public sealed partial class Catalog(IServiceProvider services, SiloOptions options, TimeProvider time, ILogger<Catalog> logger) : IActivationCatalog
{
    private readonly ConcurrentDictionary<GrainId, ActivationData> _activations = new();
    private readonly CancellationTokenSource _collectorStopping = new();
    private Task _collector = Task.CompletedTask;
    private volatile bool _stopping;

    // Resolved late: the runtime needs the grain factory, which needs the router, which needs this catalog.
    private SiloRuntime Runtime => field ??= services.GetRequiredService<SiloRuntime>();

    public IReadOnlyList<ActivationInfo> List() => [.. _activations.Values.Where(a => a.State == ActivationState.Valid).Select(a => a.ToInfo())];

    public ActivationData? Find(GrainId grainId) => _activations.TryGetValue(grainId, out var activation) ? activation : null;

    /// <summary>The activation of the grain here, created if there is none; refused while the silo stops.</summary>
    public ActivationData GetOrCreate(GrainId grainId, GrainTypeInfo type)
    {
        if (_stopping)
        {
            // Callers retry until this silo has left the membership and placement picks another one.
            throw new SiloUnavailableException($"Silo {Runtime.Silo.Name} is stopping and takes no new activations.");
        }
        return _activations.GetOrAdd(grainId, static (id, state) => new ActivationData(id, state.type, state.catalog.Runtime, state.catalog), (type, catalog: this));
    }

    internal void Remove(ActivationData activation) => _activations.TryRemove(KeyValuePair.Create(activation.GrainId, activation));

    public void Start()
    {
        Runtime.Directory.RegistrationLost += OnRegistrationLost;
        _collector = Task.Run(() => CollectIdleAsync(_collectorStopping.Token));
    }

    public async Task StopAsync()
    {
        _stopping = true;
        await _collectorStopping.CancelAsync();
        await _collector;
        Runtime.Directory.RegistrationLost -= OnRegistrationLost;
        await Task.WhenAll(_activations.Values.Select(a => a.DeactivateAsync(DeactivationReason.SiloStopping)));
    }

    private void OnRegistrationLost(GrainAddress address)
    {
        if (Find(address.GrainId) is { } activation && activation.ActivationId == address.ActivationId)
        {
            _ = activation.DeactivateAsync(DeactivationReason.DuplicateActivation);
        }
    }

    private async Task CollectIdleAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(options.CollectionQuantum, time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                var now = time.GetUtcNow();
                var idle = _activations.Values
                    .Where(a => a.State == ActivationState.Valid && a.IsIdle && now - a.LastUsed >= options.IdleTimeout)
                    .ToList();
                if (idle.Count > 0)
                {
                    LogCollecting(idle.Count);
                    await Task.WhenAll(idle.Select(a => a.DeactivateAsync(DeactivationReason.Idle)));
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The silo is stopping.
        }
    }

    [LoggerMessage(EventId = 400, Level = LogLevel.Debug, Message = "Deactivating {Count} idle activations")]
    private partial void LogCollecting(int count);
}
