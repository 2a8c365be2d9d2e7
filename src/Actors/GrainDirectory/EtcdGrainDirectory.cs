using System.Collections.Concurrent;
using System.Text.Json;
using Distributed.Actors.Etcd;
using Distributed.Actors.Membership;
using Distributed.Actors.Messaging;
using Microsoft.Extensions.Logging;

namespace Distributed.Actors.GrainDirectory;

/// <summary>
/// The grain directory in etcd. An entry is created only if absent (txn compare create_revision == 0) and bound to the
/// owner silo's lease, so two silos can never both win a grain, and a dead silo's entries vanish with its lease.
/// </summary>
public sealed partial class EtcdGrainDirectory : IGrainDirectory
{
    private readonly EtcdClient _client;
    private readonly EtcdMembershipService _membership;
    private readonly ILogger<EtcdGrainDirectory> _logger;
    private readonly string _prefix;
    private readonly ConcurrentDictionary<GrainId, GrainAddress> _owned = new();

    public EtcdGrainDirectory(EtcdClient client, EtcdOptions options, EtcdMembershipService membership, ILogger<EtcdGrainDirectory> logger)
    {
        _client = client;
        _membership = membership;
        _logger = logger;
        _prefix = $"/distributed/{options.ClusterId}/grains/";
        membership.LeaseRenewed += ReRegisterAsync;
    }

    public event Action<GrainAddress>? RegistrationLost;

    public async Task<GrainAddress?> LookupAsync(GrainId grainId, CancellationToken cancellationToken)
    {
        var value = await _client.GetAsync(Key(grainId), cancellationToken);
        return value is null ? null : Deserialize(value);
    }

    public async Task<GrainAddress> RegisterAsync(GrainAddress address, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                var (created, stored) = await _client.CreateIfAbsentAsync(Key(address.GrainId), Serialize(address), _membership.LeaseId, cancellationToken);
                if (created)
                {
                    _owned[address.GrainId] = address;
                    return address;
                }
                return Deserialize(stored);
            }
            catch (EtcdException) when (attempt < 3)
            {
                // The competing entry expired between compare and read: try to create it again.
            }
        }
    }

    public async Task UnregisterAsync(GrainAddress address, CancellationToken cancellationToken)
    {
        _owned.TryRemove(KeyValuePair.Create(address.GrainId, address));
        await _client.DeleteIfValueAsync(Key(address.GrainId), Serialize(address), cancellationToken);
    }

    public async Task<IReadOnlyList<GrainAddress>> ListAsync(CancellationToken cancellationToken)
    {
        var (_, items) = await _client.RangePrefixAsync(_prefix, cancellationToken);
        return [.. items.Select(i => Deserialize(i.Value))];
    }

    private async Task ReRegisterAsync(long leaseId)
    {
        foreach (var address in _owned.Values)
        {
            var (created, stored) = await _client.CreateIfAbsentAsync(Key(address.GrainId), Serialize(address), leaseId, CancellationToken.None);
            if (!created && Deserialize(stored) != address)
            {
                _owned.TryRemove(KeyValuePair.Create(address.GrainId, address));
                LogRegistrationLost(address.GrainId.ToString(), address.ActivationId);
                RegistrationLost?.Invoke(address);
            }
        }
    }

    private string Key(GrainId grainId) => _prefix + grainId.Type + "/" + grainId.Key;

    private static byte[] Serialize(GrainAddress address) => JsonSerializer.SerializeToUtf8Bytes(address, ActorsJsonContext.Default.GrainAddress);

    private static GrainAddress Deserialize(byte[] value) =>
        JsonSerializer.Deserialize(value, ActorsJsonContext.Default.GrainAddress) ?? throw new EtcdException("Empty grain directory entry.");

    [LoggerMessage(EventId = 200, Level = LogLevel.Warning, Message = "Activation {ActivationId} of {GrainId} lost its directory entry to another silo while the lease was gone")]
    private partial void LogRegistrationLost(string grainId, string activationId);
}
