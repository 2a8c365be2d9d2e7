using System.Reflection;

namespace Distributed.Actors.Runtime;

/// <summary>A grain interface, the class that implements it, and its methods by interface method and by wire id.</summary>
public sealed class GrainTypeInfo
{
    public GrainTypeInfo(Type grainInterface, Type grainClass)
    {
        Interface = grainInterface;
        GrainClass = grainClass;
        Name = grainInterface.GetCustomAttribute<AliasAttribute>()?.Name ?? grainInterface.FullName ?? grainInterface.Name;
        var reentrant = grainClass.IsDefined(typeof(ReentrantAttribute));
        var methods = grainInterface.GetMethods()
            .Concat(grainInterface.GetInterfaces().SelectMany(i => i.GetMethods()))
            .Select(m => new GrainMethod(m, reentrant))
            .ToList();
        ByMethod = methods.ToDictionary(m => m.Method);
        ById = methods.ToDictionary(m => m.Id, StringComparer.Ordinal);
    }

    public Type Interface { get; }

    public Type GrainClass { get; }

    /// <summary>Wire name: the interface's [Alias], else its full name.</summary>
    public string Name { get; }

    public IReadOnlyDictionary<MethodInfo, GrainMethod> ByMethod { get; }

    public IReadOnlyDictionary<string, GrainMethod> ById { get; }
}
