using System.Collections.Immutable;
using System.Text.Json;
using Distributed.Actors.Etcd;
using Distributed.Actors.Messaging;
using Microsoft.Extensions.Logging;

namespace Distributed.Actors.Membership;

/// <summary>
/// Membership in etcd: the silo's entry lives under its lease (TTL a few seconds, renewed every TTL/3), so a silo
/// that stops renewing disappears by itself; every silo watches the prefix and re-reads it on each change.
/// </summary>
public sealed partial class EtcdMembershipService(EtcdClient client, EtcdOptions options, TimeProvider time, ILogger<EtcdMembershipService> logger)
    : IMembershipService, IAsyncDisposable
{
    private readonly SnapshotBroadcaster _snapshots = new();
    private readonly CancellationTokenSource _stopping = new();
    private SiloInfo? _local;
    private long _leaseId;
    private long _leaseConfirmedAt;
    private bool _reRegistrationPending;
    private Task _keepAliveLoop = Task.CompletedTask;
    private Task _watchLoop = Task.CompletedTask;

    /// <summary>The lease this silo's keys (membership entry, directory entries) are bound to.</summary>
    public long LeaseId => Interlocked.Read(ref _leaseId);

    /// <summary>Raised after the old lease expired (etcd unreachable longer than the TTL) and a new one was registered.</summary>
    public event Func<long, Task>? LeaseRenewed;

    public SiloInfo Local => _local ?? throw new InvalidOperationException("The silo has not joined yet.");

    public MembershipSnapshot Current => _snapshots.Current;

    // Measured from when the last successful grant or keep-alive was sent, so it never overestimates the lease.
    public bool HoldsLease => time.GetElapsedTime(Interlocked.Read(ref _leaseConfirmedAt)) < options.LeaseTtl;

    private string Prefix => $"/distributed/{options.ClusterId}/silos/";

    public IAsyncEnumerable<MembershipSnapshot> WatchAsync(CancellationToken cancellationToken) => _snapshots.WatchAsync(cancellationToken);

    public async Task JoinAsync(SiloInfo local, CancellationToken cancellationToken)
    {
        _local = local;
        await RegisterAsync(confirm: true, cancellationToken);
        await RefreshAsync(cancellationToken);
        _keepAliveLoop = Task.Run(() => KeepAliveLoopAsync(_stopping.Token), CancellationToken.None);
        _watchLoop = Task.Run(() => WatchLoopAsync(_stopping.Token), CancellationToken.None);
    }

    public async Task LeaveAsync(CancellationToken cancellationToken)
    {
        await StopLoopsAsync();
        try
        {
            // Revoking deletes the membership entry and every directory entry of this silo at once.
            await client.RevokeLeaseAsync(LeaseId, cancellationToken);
        }
        catch (Exception ex) when (ex is HttpRequestException or EtcdException or TaskCanceledException)
        {
            LogRevokeFailed(ex, LeaseId);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopLoopsAsync();
        _stopping.Dispose();
    }

    private async Task StopLoopsAsync()
    {
        if (!_stopping.IsCancellationRequested)
        {
            await _stopping.CancelAsync();
        }
        await Task.WhenAll(_keepAliveLoop, _watchLoop);
    }

    private async Task<long> RegisterAsync(bool confirm, CancellationToken cancellationToken)
    {
        var sent = time.GetTimestamp();
        var lease = await client.GrantLeaseAsync(options.LeaseTtl, cancellationToken);
        var value = JsonSerializer.SerializeToUtf8Bytes(Local, ActorsJsonContext.Default.SiloInfo);
        await client.PutAsync(Prefix + Local.SiloId, value, lease, cancellationToken);
        Interlocked.Exchange(ref _leaseId, lease);
        if (confirm)
        {
            Interlocked.Exchange(ref _leaseConfirmedAt, sent);
        }
        LogRegistered(Local.SiloId, lease, options.LeaseTtl.TotalSeconds);
        return sent;
    }

    private async Task<long> RefreshAsync(CancellationToken cancellationToken)
    {
        var (revision, items) = await client.RangePrefixAsync(Prefix, cancellationToken);
        var silos = items.Select(i => JsonSerializer.Deserialize(i.Value, ActorsJsonContext.Default.SiloInfo))
            .OfType<SiloInfo>()
            .OrderBy(s => s.SiloId, StringComparer.Ordinal)
            .ToImmutableArray();
        var snapshot = new MembershipSnapshot(revision, silos);
        var previous = _snapshots.Current;
        if (_snapshots.Publish(snapshot) && !previous.Silos.Select(s => s.SiloId).SequenceEqual(silos.Select(s => s.SiloId)))
        {
            LogMembershipChanged(revision, string.Join(", ", silos.Select(s => s.Name)));
        }
        return revision;
    }

    private async Task KeepAliveLoopAsync(CancellationToken cancellationToken)
    {
        var period = options.LeaseTtl / 3;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(period, time, cancellationToken);
                var sent = time.GetTimestamp();
                if (!await client.KeepAliveAsync(LeaseId, cancellationToken))
                {
                    LogLeaseLost(LeaseId);
                    sent = await RegisterAsync(confirm: false, cancellationToken);
                    _reRegistrationPending = true;
                    await RefreshAsync(cancellationToken);
                }
                // Calls stay refused until every activation re-registered under the new lease (or was dropped for a
                // newer one elsewhere); only then is this silo's view of its grains true again. If that fails half
                // way (etcd gone again), the next round does it again before confirming.
                if (_reRegistrationPending)
                {
                    if (LeaseRenewed is { } handler)
                    {
                        await handler(LeaseId);
                    }
                    _reRegistrationPending = false;
                }
                Interlocked.Exchange(ref _leaseConfirmedAt, sent);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is HttpRequestException or EtcdException or TaskCanceledException or JsonException)
            {
                LogEtcdUnreachable(ex.Message);
            }
        }
    }

    private async Task WatchLoopAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var revision = await RefreshAsync(cancellationToken);
                await foreach (var _ in client.WatchPrefixAsync(Prefix, revision + 1, cancellationToken))
                {
                    await RefreshAsync(cancellationToken);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is HttpRequestException or EtcdException or TaskCanceledException or JsonException or IOException)
            {
                LogEtcdUnreachable(ex.Message);
            }
            try
            {
                // The watch ended (etcd restarted or unreachable): re-read and watch again shortly.
                await Task.Delay(TimeSpan.FromMilliseconds(300), time, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "Silo {SiloId} registered in etcd under lease {LeaseId} (TTL {TtlSeconds} s)")]
    private partial void LogRegistered(string siloId, long leaseId, double ttlSeconds);

    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "Membership version {Version}: {Silos}")]
    private partial void LogMembershipChanged(long version, string silos);

    [LoggerMessage(EventId = 102, Level = LogLevel.Warning, Message = "Lease {LeaseId} expired; registering again")]
    private partial void LogLeaseLost(long leaseId);

    [LoggerMessage(EventId = 103, Level = LogLevel.Warning, Message = "etcd unreachable: {Reason}")]
    private partial void LogEtcdUnreachable(string reason);

    [LoggerMessage(EventId = 104, Level = LogLevel.Warning, Message = "Revoking lease {LeaseId} failed; it expires by itself")]
    private partial void LogRevokeFailed(Exception exception, long leaseId);
}
