using System.Globalization;
using System.Net;
using Distributed.Dashboard;
using Microsoft.Extensions.Options;

namespace Distributed.Silo.Hosting;

/// <summary>Checks <see cref="DistributedClusterOptions"/> at start; each failure names the flag or variable to fix.</summary>
public sealed class DistributedClusterOptionsValidator : IValidateOptions<DistributedClusterOptions>
{
    public ValidateOptionsResult Validate(string? name, DistributedClusterOptions o)
    {
        var errors = new List<string>();
        if (!o.IsEmbedded && !o.IsAzure && !o.IsHost)
            errors.Add($"--mode '{o.Mode}' is not a clustering mode: use --mode embedded (one process), host (several processes on this machine) or azure (Azure Table membership + Blob state).");
        if (o.IsHost && string.IsNullOrWhiteSpace(o.StateDirectory))
            errors.Add("--mode host needs --state-dir DIR: a folder all silos of this machine share for grain state.");
        if (o.IsHost) CheckPort(errors, "--primary-port", o.PrimaryPort, allowZero: false);
        if (o.IsAzure && string.IsNullOrWhiteSpace(o.StorageConnectionString))
            errors.Add("--mode azure needs a storage account: set AZURE_STORAGE_CONNECTION_STRING (an Azure Storage or Azurite connection string).");
        CheckPort(errors, "--silo-port", o.SiloPort, allowZero: false);
        CheckPort(errors, "--gateway-port", o.GatewayPort, allowZero: true);
        if (o.Dashboard.Enabled) CheckPort(errors, "--dashboard-port", o.Dashboard.Port, allowZero: true);
        if (o.SiloPort != 0 && o.SiloPort == o.GatewayPort)
            errors.Add($"--silo-port and --gateway-port are both {o.SiloPort}: give them different ports.");
        if (!IPAddress.TryParse(o.AdvertisedAddress, out _))
            errors.Add($"--advertise '{o.AdvertisedAddress}' is not an IP address: give the address other hosts reach this one at, e.g. 10.0.0.5.");
        if (o.Dashboard.Enabled)
        {
            // The training dashboard's own rules (address, token required beyond loopback, token shape).
            var dashboard = new TrainingDashboardOptionsValidator().Validate(null, SiloHost.DashboardOptions(o));
            if (dashboard.Failed) errors.AddRange(dashboard.Failures);
        }
        var gpus = o.Gpus.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (gpus.Any(g => !int.TryParse(g, NumberStyles.None, CultureInfo.InvariantCulture, out _)))
            errors.Add($"--gpus '{o.Gpus}' is not a list of GPU indices: give global indices separated by commas, e.g. --gpus 0,1.");
        else if (gpus.Distinct().Count() != gpus.Length)
            errors.Add($"--gpus '{o.Gpus}' names a GPU twice: each GPU is owned once.");
        if (!o.GrainDirectory.Equals("local", StringComparison.OrdinalIgnoreCase) && !o.GrainDirectory.Equals("distributed", StringComparison.OrdinalIgnoreCase))
            errors.Add($"--grain-directory '{o.GrainDirectory}' is unknown: use local or distributed.");
        if (string.IsNullOrWhiteSpace(o.ClusterId)) errors.Add("--cluster-id is empty: give the cluster a name (silos and clients with the same one form a cluster).");
        if (string.IsNullOrWhiteSpace(o.ServiceId)) errors.Add("--service-id is empty: give the service a stable name (grain state is keyed by it).");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void CheckPort(List<string> errors, string flag, int port, bool allowZero)
    {
        if (port < (allowZero ? 0 : 1) || port > 65535)
            errors.Add($"{flag} {port} is not a port: use 1-65535{(allowZero ? " (or 0)" : "")}.");
    }
}
