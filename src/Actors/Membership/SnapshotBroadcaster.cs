using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace Distributed.Actors.Membership;

/// <summary>Holds the latest snapshot and fans every newer one out to the watchers; older versions are dropped.</summary>
public sealed class SnapshotBroadcaster
{
    private readonly object _sync = new();
    private readonly List<Channel<MembershipSnapshot>> _watchers = [];
    private MembershipSnapshot _current = MembershipSnapshot.Empty;

    public MembershipSnapshot Current => Volatile.Read(ref _current);

    public bool Publish(MembershipSnapshot snapshot)
    {
        lock (_sync)
        {
            if (snapshot.Version <= _current.Version && _current.Version != 0)
            {
                return false;
            }
            Volatile.Write(ref _current, snapshot);
            foreach (var watcher in _watchers)
            {
                watcher.Writer.TryWrite(snapshot);
            }
            return true;
        }
    }

    public async IAsyncEnumerable<MembershipSnapshot> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var channel = Channel.CreateUnbounded<MembershipSnapshot>(new UnboundedChannelOptions { SingleReader = true });
        lock (_sync)
        {
            _watchers.Add(channel);
            channel.Writer.TryWrite(_current);
        }
        try
        {
            await foreach (var snapshot in channel.Reader.ReadAllAsync(cancellationToken))
            {
                yield return snapshot;
            }
        }
        finally
        {
            lock (_sync)
            {
                _watchers.Remove(channel);
            }
        }
    }
}
