namespace Distributed.Actors.Etcd;

/// <summary>etcd refused a request or answered something unexpected.</summary>
public sealed class EtcdException(string message) : Exception(message);
