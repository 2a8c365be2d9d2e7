namespace Distributed.Actors.Etcd;

/// <summary>Where etcd is and how long a silo's lease lives without keep-alives.</summary>
public sealed class EtcdOptions
{
    /// <summary>Base address of etcd's JSON gateway, e.g. http://127.0.0.1:2379.</summary>
    public required Uri Endpoint { get; init; }

    /// <summary>A silo that misses keep-alives this long is dead and its grains re-activate elsewhere.</summary>
    public TimeSpan LeaseTtl { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Every key of the cluster lives under /distributed/{ClusterId}/.</summary>
    public string ClusterId { get; init; } = "default";

    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(3);
}
