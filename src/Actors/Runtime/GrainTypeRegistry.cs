using System.Reflection;

namespace Distributed.Actors.Runtime;

/// <summary>Which class implements each grain interface; filled by the silo builder, read-only once the silo runs.</summary>
public sealed class GrainTypeRegistry
{
    private readonly Dictionary<Type, GrainTypeInfo> _byInterface = [];
    private readonly Dictionary<string, GrainTypeInfo> _byName = new(StringComparer.Ordinal);

    public void Add(Type grainInterface, Type grainClass)
    {
        if (!grainInterface.IsInterface || !typeof(IGrain).IsAssignableFrom(grainInterface))
        {
            throw new ArgumentException($"{grainInterface.Name} is not a grain interface (an interface deriving from IGrain).");
        }
        if (!typeof(Grain).IsAssignableFrom(grainClass) || grainClass.IsAbstract || !grainInterface.IsAssignableFrom(grainClass))
        {
            throw new ArgumentException($"{grainClass.Name} must be a concrete class deriving from Grain and implementing {grainInterface.Name}.");
        }
        var info = new GrainTypeInfo(grainInterface, grainClass);
        if (_byName.TryGetValue(info.Name, out var existing) && existing.GrainClass != grainClass)
        {
            throw new ArgumentException($"Grain type name '{info.Name}' is used by both {existing.GrainClass.Name} and {grainClass.Name}.");
        }
        _byInterface[grainInterface] = info;
        _byName[info.Name] = info;
    }

    /// <summary>Registers every concrete grain class of the assembly under each grain interface it implements.</summary>
    public void AddAssembly(Assembly assembly)
    {
        foreach (var type in assembly.GetTypes().Where(t => t.IsClass && !t.IsAbstract && typeof(Grain).IsAssignableFrom(t)))
        {
            foreach (var grainInterface in type.GetInterfaces().Where(i => typeof(IGrain).IsAssignableFrom(i) && !IsMarker(i)))
            {
                Add(grainInterface, type);
            }
        }
    }

    public GrainTypeInfo Get(Type grainInterface) =>
        _byInterface.TryGetValue(grainInterface, out var info) ? info
            : throw new ArgumentException($"No grain class is registered for {grainInterface.FullName}; add it with SiloBuilder.AddGrains.");

    public bool TryGet(string name, out GrainTypeInfo info) => _byName.TryGetValue(name, out info!);

    private static bool IsMarker(Type type) =>
        type == typeof(IGrain) || type == typeof(IGrainWithStringKey) || type == typeof(IGrainWithGuidKey) || type == typeof(IGrainWithIntegerKey);
}
