using System.Text.Json;
using Distributed.Actors.State;

namespace Distributed.Actors.Tests.State;

/// <summary>The storage contract on Azure Blob Storage (Azurite), with If-Match / If-None-Match conditions.</summary>
public sealed class AzureBlobGrainStorageTests(AzuriteFixture azurite) : GrainStorageContractTests, IClassFixture<AzuriteFixture>
{
    protected override IGrainStorage Storage { get; } =
        new AzureBlobGrainStorage(azurite.Server.Container("state-" + Guid.NewGuid().ToString("N")), new JsonSerializerOptions(JsonSerializerDefaults.Web));
}
