namespace Distributed.Actors.TestHost.Grains;

/// <summary>An exception without a (string message) constructor: it cannot be re-created on the calling silo.</summary>
public sealed class OpaqueException(int code) : Exception($"opaque failure {code}")
{
    public int Code { get; } = code;
}
