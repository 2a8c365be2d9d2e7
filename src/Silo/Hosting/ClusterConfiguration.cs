using Distributed.Dashboard;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Distributed.Silo.Hosting;

/// <summary>
/// Builds the configuration every cluster-talking command uses, in increasing precedence: appsettings.json beside
/// the executable, environment variables prefixed <c>DISTRIBUTED_</c> (<c>DISTRIBUTED_Cluster__Mode=azure</c>),
/// <c>AZURE_STORAGE_CONNECTION_STRING</c> and <c>DISTRIBUTED_DASHBOARD_TOKEN</c>, then the command's flags (as configuration keys).
/// </summary>
public static class ClusterConfiguration
{
    public const string EnvironmentPrefix = "DISTRIBUTED_";
    public const string StorageVariable = "AZURE_STORAGE_CONNECTION_STRING";

    public static IConfigurationRoot Build(IReadOnlyDictionary<string, string?> flags)
    {
        var storage = Environment.GetEnvironmentVariable(StorageVariable);
        var token = Environment.GetEnvironmentVariable(TrainingDashboardOptions.TokenVariable);
        return new ConfigurationBuilder()
            .SetBasePath(AppContext.BaseDirectory)
            .AddJsonFile("appsettings.json", optional: true)
            .AddEnvironmentVariables(EnvironmentPrefix)
            .AddInMemoryCollection(storage is null ? [] : [new($"{DistributedClusterOptions.Section}:{nameof(DistributedClusterOptions.StorageConnectionString)}", storage)])
            .AddInMemoryCollection(string.IsNullOrEmpty(token) ? [] : [new($"{DistributedClusterOptions.Section}:Dashboard:Token", token)])
            .AddInMemoryCollection(flags)
            .Build();
    }

    /// <summary>The bound, validated options, or an <see cref="ClusterSettingsException"/> listing every problem, one a line.</summary>
    public static DistributedClusterOptions Load(IConfiguration configuration)
    {
        var options = new DistributedClusterOptions();
        try
        {
            configuration.GetSection(DistributedClusterOptions.Section).Bind(options);
        }
        catch (InvalidOperationException e)
        {
            // Flags are parsed by type already; a value of the wrong type came from appsettings.json or the environment.
            throw new InvalidOperationException($"{e.Message} Fix it in appsettings.json or the {EnvironmentPrefix}{DistributedClusterOptions.Section}__* environment variable.", e);
        }
        var result = new DistributedClusterOptionsValidator().Validate(null, options);
        if (result.Failed) throw new ClusterSettingsException(result.Failures);
        return options;
    }
}
