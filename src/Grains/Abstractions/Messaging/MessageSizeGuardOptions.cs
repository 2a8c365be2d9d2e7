namespace Distributed.Grains.Messaging;

/// <summary>The limit the message-size guard enforces; the hosting code copies it from Orleans' messaging options.</summary>
public sealed class MessageSizeGuardOptions
{
    /// <summary>Orleans' MaxMessageBodySize (100 MiB by default); set on both the silo and the client side.</summary>
    public int MaxBodyBytes { get; set; } = 100 << 20;
}
