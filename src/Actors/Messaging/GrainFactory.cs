using System.Globalization;
using System.Reflection;
using Distributed.Actors.Runtime;

namespace Distributed.Actors.Messaging;

/// <summary>Creates grain references; creating one is cheap and does not contact anything.</summary>
public sealed class GrainFactory(GrainTypeRegistry registry, CallRouter router) : IGrainFactory
{
    public TGrain GetGrain<TGrain>(string key) where TGrain : IGrainWithStringKey => Create<TGrain>(key);

    public TGrain GetGrain<TGrain>(Guid key) where TGrain : IGrainWithGuidKey => Create<TGrain>(key.ToString("N"));

    public TGrain GetGrain<TGrain>(long key) where TGrain : IGrainWithIntegerKey => Create<TGrain>(key.ToString(CultureInfo.InvariantCulture));

    private TGrain Create<TGrain>(string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        var type = registry.Get(typeof(TGrain));
        var proxy = DispatchProxy.Create<TGrain, GrainProxy>();
        ((GrainProxy)(object)proxy!).Initialize(router, type, new GrainId(type.Name, key));
        return proxy;
    }
}
