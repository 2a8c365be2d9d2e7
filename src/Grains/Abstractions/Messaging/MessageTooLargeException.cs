namespace Distributed.Grains.Messaging;

/// <summary>
/// A grain call's arguments (or a grain's result) serialize to more than the message body limit. Thrown before
/// anything is sent: an oversize message would otherwise tear down the silo connection, be re-sent on every
/// reconnect and end, 30 s later, as a bare timeout.
/// </summary>
[GenerateSerializer, Alias("distributed.message-too-large")]
public sealed class MessageTooLargeException : OrleansException
{
    public MessageTooLargeException(string call, long bytes, long limit)
        : base($"{call}: the message body is {bytes:N0} bytes or more, over the {limit:N0}-byte limit (MaxMessageBodySize). " +
               "Grain messages carry control and metrics: put large payloads (weights, checkpoints, datasets) in blob storage and pass their name.")
    {
        Call = call;
        Bytes = bytes;
        Limit = limit;
    }

    /// <summary>Interface and method, e.g. <c>IWorkerGrain.LoadAsync</c> (with <c>(result)</c> for a response).</summary>
    [Id(0)]
    public string Call { get; }

    /// <summary>How many bytes were serialized before the limit was crossed (a lower bound of the full size).</summary>
    [Id(1)]
    public long Bytes { get; }

    [Id(2)]
    public long Limit { get; }
}
