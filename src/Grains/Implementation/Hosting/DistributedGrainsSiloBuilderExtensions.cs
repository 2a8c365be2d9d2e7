using Distributed.Grains.Checkpoints;
using Distributed.Grains.Diagnostics;
using Distributed.Grains.Jobs;
using Distributed.Grains.Messaging;
using Distributed.Grains.Placement;
using Distributed.Grains.Workers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Runtime.MembershipService.SiloMetadata;
using Orleans.Serialization;
using Orleans.Storage;

namespace Distributed.Grains.Hosting;

public static class DistributedGrainsSiloBuilderExtensions
{
    /// <summary>
    /// What every silo hosting this project's grains needs, whatever its clustering: the GPUs it owns (as silo
    /// metadata, for GPU placement, and as a <see cref="GpuReplicaHost"/>), the GPU placement director, grain state
    /// stored as plain JSON, and the message-size guards. Grain storage itself (named
    /// <see cref="Storage.GrainStorageNames.State"/>) is the host's choice.
    /// </summary>
    public static ISiloBuilder AddDistributedGrains(this ISiloBuilder silo, IReadOnlyList<int> gpus)
    {
        silo.UseSiloMetadata(new Dictionary<string, string> { [SiloGpus.MetadataKey] = SiloGpus.Format(gpus) });
        silo.AddPlacementDirector<GpuPlacementStrategy, GpuPlacementDirector>();
        silo.AddPlacementDirector<CoordinatorPlacementStrategy, CoordinatorPlacementDirector>();
        var services = silo.Services;
        services.AddOptions<GpuPlacementOptions>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<GpuHostOptions>().Configure(o => o.Gpus = gpus);
        services.AddSingleton<GpuReplicaHost>();
        // Configuration sections "Workers" and "Jobs" (appsettings.json, DISTRIBUTED_Workers__CollectiveTimeout=00:00:30, ...).
        services.AddOptions<TrainingWorkerOptions>().BindConfiguration(TrainingWorkerOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<TrainingWorkerOptions>>(new ProblemsValidator<TrainingWorkerOptions>(o => o.Problems()));
        services.AddOptions<JobGrainOptions>().BindConfiguration(JobGrainOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<JobGrainOptions>>(new ProblemsValidator<JobGrainOptions>(o => o.Problems()));
        // Each rank's checkpoint upload; the CheckpointGrain itself is found by Orleans like every grain class.
        services.AddSingleton<RankCheckpointWriter>();
        // Every activation of this project's grains logs when it starts and stops running (the chaos suite's evidence).
        services.AddSingleton<IConfigureGrainContextProvider, ActivationTrace>();

        // Grain state as System.Text.Json without type names (Orleans' default blob format is Newtonsoft JSON with
        // assembly-qualified "$type" names, which break when a type is renamed or moved). Registered as the default
        // serializer, so every storage provider of the silo uses it.
        services.AddOptions<SystemTextJsonGrainStorageSerializerOptions>();
        services.AddSingleton<IPostConfigureOptions<SystemTextJsonGrainStorageSerializerOptions>, SystemTextJsonSerializerOptionsConfigure>();
        services.AddSingleton<IGrainStorageSerializer, SystemTextJsonGrainStorageSerializer>();

        services.AddOptions<MessageSizeGuardOptions>()
            .Configure<IOptions<SiloMessagingOptions>>((guard, messaging) => guard.MaxBodyBytes = messaging.Value.MaxMessageBodySize);
        silo.AddOutgoingGrainCallFilter<MessageSizeGuard>();
        silo.AddIncomingGrainCallFilter<ResultSizeGuard>();
        return silo;
    }
}
