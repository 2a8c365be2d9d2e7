using Microsoft.Extensions.Logging;
using Orleans.Metadata;

namespace Distributed.Grains.Diagnostics;

/// <summary>
/// Logs when an activation of one of this project's grains starts running grain code and when it has stopped: one line
/// before <c>OnActivateAsync</c> (after the activation won its grain directory registration) and one after
/// <c>OnDeactivateAsync</c>, with the activation id, the silo and a millisecond timestamp. Orleans' own activation
/// statistics also count activations still waiting on their directory registration (which are dropped, never run,
/// when another silo registered first), so these lines are the evidence for "no grain ever runs twice at once":
/// the chaos suite checks that no two intervals of one grain overlap. A silo-wide lifecycle hook, so no grain class
/// has to remember it.
/// </summary>
internal sealed partial class ActivationTrace(ILocalSiloDetails silo, TimeProvider time, ILogger<ActivationTrace> log)
    : IConfigureGrainContextProvider, IConfigureGrainContext
{
    public bool TryGetConfigurator(GrainType grainType, GrainProperties properties, out IConfigureGrainContext configurator)
    {
        configurator = this;
        // This project's grains only (not the dashboards' or Orleans' own).
        return properties.Properties.TryGetValue(WellKnownGrainTypeProperties.FullTypeName, out var type)
               && type.StartsWith("Distributed.", StringComparison.Ordinal);
    }

    public void Configure(IGrainContext context) =>
        // Just before the Activate stage (OnActivateAsync): OnStart runs before it, OnStop after OnDeactivateAsync.
        context.ObservableLifecycle.Subscribe(nameof(ActivationTrace), GrainLifecycleStage.Activate - 1,
            _ =>
            {
                LogActivating(log, context.ActivationId.ToString(), context.GrainId.ToString(), silo.SiloAddress.ToString(), Now());
                return Task.CompletedTask;
            },
            _ =>
            {
                LogDeactivated(log, context.ActivationId.ToString(), context.GrainId.ToString(), silo.SiloAddress.ToString(), Now());
                return Task.CompletedTask;
            });

    private string Now() => time.GetUtcNow().ToString("O", System.Globalization.CultureInfo.InvariantCulture);

    [LoggerMessage(Level = LogLevel.Information, Message = "Activation {ActivationId} of {GrainId} on {Silo}: running from {At}")]
    private static partial void LogActivating(ILogger logger, string activationId, string grainId, string silo, string at);

    [LoggerMessage(Level = LogLevel.Information, Message = "Activation {ActivationId} of {GrainId} on {Silo}: stopped at {At}")]
    private static partial void LogDeactivated(ILogger logger, string activationId, string grainId, string silo, string at);
}
