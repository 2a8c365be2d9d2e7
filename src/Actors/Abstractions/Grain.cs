using System.Globalization;
using Distributed.Actors.Runtime;

namespace Distributed.Actors;

/// <summary>
/// Base class of grain implementations. Services come through the constructor (dependency injection), persistent
/// state through constructor parameters marked with <see cref="PersistentStateAttribute"/>.
/// </summary>
public abstract class Grain
{
    private ActivationData? _activation;

    internal ActivationData Activation
    {
        get => _activation ?? throw new InvalidOperationException("The grain is used before its activation attached it; construct grains only through the runtime.");
        set => _activation = value;
    }

    public GrainId GrainId => Activation.GrainId;

    /// <summary>Unique id of this activation; a re-activation of the same grain gets a new one.</summary>
    public string ActivationId => Activation.ActivationId;

    /// <summary>Name of the silo this activation runs on.</summary>
    public string SiloName => Activation.Runtime.Silo.Name;

    public IGrainFactory GrainFactory => Activation.Runtime.GrainFactory;

    public string GetPrimaryKeyString() => GrainId.Key;

    public Guid GetPrimaryKey() => Guid.ParseExact(GrainId.Key, "N");

    public long GetPrimaryKeyLong() => long.Parse(GrainId.Key, CultureInfo.InvariantCulture);

    /// <summary>Runs once after persistent state was read and before the first call.</summary>
    public virtual Task OnActivateAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Runs once when the activation goes away gracefully (idle, requested, silo stopping); never after a crash.</summary>
    public virtual Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// A timer whose ticks run as turns of this activation (never overlapping a call or another tick); the next tick is
    /// scheduled after the previous one finished. Timers stop with the activation and do not keep it from going idle.
    /// </summary>
    protected IDisposable RegisterTimer(Func<CancellationToken, Task> callback, TimeSpan dueTime, TimeSpan period) =>
        Activation.RegisterTimer(callback, dueTime, period);

    /// <summary>Deactivates this activation once the current call has finished.</summary>
    protected void DeactivateOnIdle() => Activation.RequestDeactivation();
}
