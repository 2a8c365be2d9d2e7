using System.Reflection;
using Distributed.Actors.State;
using Microsoft.Extensions.DependencyInjection;

namespace Distributed.Actors.Runtime;

/// <summary>
/// Builds a grain instance: constructor parameters come from dependency injection, except those marked
/// [PersistentState], which get a state object bound to this grain and the named storage provider.
/// </summary>
internal static class GrainActivator
{
    public static (Grain Grain, IReadOnlyList<IStateLoader> States) Create(Type grainClass, GrainId grainId, IServiceProvider services)
    {
        var constructor = grainClass.GetConstructors().OrderByDescending(c => c.GetParameters().Length).FirstOrDefault()
            ?? throw new InvalidOperationException($"Grain class {grainClass.Name} has no public constructor.");
        var states = new List<IStateLoader>();
        var arguments = constructor.GetParameters().Select(parameter =>
        {
            var attribute = parameter.GetCustomAttribute<PersistentStateAttribute>();
            if (attribute is null)
            {
                return services.GetService(parameter.ParameterType)
                    ?? throw new InvalidOperationException($"Grain {grainClass.Name} needs a {parameter.ParameterType.Name} for '{parameter.Name}', and no such service is registered.");
            }
            if (!parameter.ParameterType.IsGenericType || parameter.ParameterType.GetGenericTypeDefinition() != typeof(IPersistentState<>))
            {
                throw new InvalidOperationException($"[PersistentState] parameter '{parameter.Name}' of {grainClass.Name} must be an IPersistentState<T>.");
            }
            var storage = services.GetKeyedService<IGrainStorage>(attribute.StorageName)
                ?? throw new InvalidOperationException($"Grain {grainClass.Name} wants storage '{attribute.StorageName}', which is not registered (SiloBuilder.Add*Storage).");
            var stateType = typeof(PersistentState<>).MakeGenericType(parameter.ParameterType.GetGenericArguments()[0]);
            var state = Activator.CreateInstance(stateType, grainId, attribute.StateName, storage)!;
            states.Add((IStateLoader)state);
            return state;
        }).ToArray();
        return ((Grain)constructor.Invoke(arguments), states);
    }
}
