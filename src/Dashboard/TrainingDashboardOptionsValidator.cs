using System.Net;
using Microsoft.Extensions.Options;

namespace Distributed.Dashboard;

/// <summary>Refuses to start a dashboard reachable from other hosts without a token, and settings that make no sense.</summary>
public sealed class TrainingDashboardOptionsValidator : IValidateOptions<TrainingDashboardOptions>
{
    public ValidateOptionsResult Validate(string? name, TrainingDashboardOptions options)
    {
        var problems = new List<string>();
        if (!IPAddress.TryParse(options.BindAddress, out var address))
            problems.Add($"--dashboard-host '{options.BindAddress}' is not an IP address: give one, e.g. 127.0.0.1 (this host only) or 0.0.0.0 (all interfaces).");
        else if (!IPAddress.IsLoopback(address) && !options.HasToken)
            problems.Add($"--dashboard-host {options.BindAddress} makes the dashboard reachable from other hosts, and its actions (cancel, resume, checkpoint) " +
                $"need a token there: set {TrainingDashboardOptions.TokenVariable} (or {TrainingDashboardOptions.TokenFlag}) to a long random secret, " +
                "or bind to 127.0.0.1.");
        if (options.HasToken && options.Token!.Length < 16)
            problems.Add($"{TrainingDashboardOptions.TokenVariable} is {options.Token.Length} characters long: use at least 16 random characters (e.g. `openssl rand -hex 24`).");
        if (options.HasToken && options.Token!.Any(c => c is < '!' or > '~'))
            problems.Add($"{TrainingDashboardOptions.TokenVariable} must be printable ASCII without spaces (it travels in an HTTP header).");
        if (options.PollInterval <= TimeSpan.Zero) problems.Add("the dashboard's poll interval must be positive.");
        if (options.CallTimeout <= TimeSpan.Zero) problems.Add("the dashboard's call timeout must be positive.");
        if (options.MaxGpus < 1) problems.Add("the dashboard's MaxGpus must be at least 1.");
        if (options.MaxHistoryPoints < 1) problems.Add("the dashboard's MaxHistoryPoints must be at least 1.");
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
