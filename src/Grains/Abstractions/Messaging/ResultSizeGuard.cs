using Microsoft.Extensions.Options;
using Orleans.Serialization;

namespace Distributed.Grains.Messaging;

/// <summary>
/// The response side of <see cref="MessageSizeGuard"/>: a grain result over the body limit is replaced by a
/// <see cref="MessageTooLargeException"/> (small, so it reaches the caller) instead of breaking the connection.
/// </summary>
/// <remarks>
/// Results are checked when they are strings, arrays or collections, not when they are records: nearly every call
/// returns a small record, and serializing each one a second time cost measurable throughput (bench/RESULTS.md).
/// A record result that carries a large array is a contract mistake (large payloads go through blob storage).
/// </remarks>
public sealed class ResultSizeGuard(Serializer serializer, IOptions<MessageSizeGuardOptions> options) : IIncomingGrainCallFilter
{
    private readonly long _limit = options.Value.MaxBodyBytes;

    public async Task Invoke(IIncomingGrainCallContext context)
    {
        await context.Invoke();
        var result = context.Result;
        if (result is not null && SerializedSize.CouldReach(result, _limit / 2, objects: false))
        {
            var bytes = SerializedSize.Measure(serializer, result, _limit);
            if (bytes > _limit) throw new MessageTooLargeException($"{context.InterfaceName}.{context.MethodName} (result)", bytes, _limit);
        }
    }
}
