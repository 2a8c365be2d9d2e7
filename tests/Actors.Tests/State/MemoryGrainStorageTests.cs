using System.Text.Json;
using Distributed.Actors.State;

namespace Distributed.Actors.Tests.State;

public sealed class MemoryGrainStorageTests : GrainStorageContractTests
{
    protected override IGrainStorage Storage { get; } = new MemoryGrainStorage(new JsonSerializerOptions(JsonSerializerDefaults.Web));
}
