using System.Text.Json;

namespace Distributed.Actors.Runtime;

/// <summary>Settings of one silo.</summary>
public sealed class SiloOptions
{
    /// <summary>Logical name: pinned placement and logs use it; unique among live silos.</summary>
    public string Name { get; set; } = Environment.MachineName;

    /// <summary>False for a client: it calls grains but never activates them.</summary>
    public bool HostsGrains { get; set; } = true;

    /// <summary>An activation without calls this long is deactivated.</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How often the idle collector looks for idle activations.</summary>
    public TimeSpan CollectionQuantum { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Default deadline of a grain call (override per call with <see cref="GrainCallScope.WithTimeout"/>).</summary>
    public TimeSpan ResponseTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long OnDeactivateAsync may run.</summary>
    public TimeSpan DeactivationTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Pause before re-resolving a grain whose silo was unreachable.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>TCP port of the RPC endpoint in cluster mode (0: any free port).</summary>
    public int Port { get; set; }

    /// <summary>Larger RPC requests are rejected with 413.</summary>
    public long MaxRequestBytes { get; set; } = 1 << 20;

    /// <summary>Serializer for grain arguments and results crossing silos, and for persisted state.</summary>
    public JsonSerializerOptions Json { get; set; } = new(JsonSerializerDefaults.Web);
}
