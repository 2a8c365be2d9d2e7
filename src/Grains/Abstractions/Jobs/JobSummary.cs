namespace Distributed.Grains.Jobs;

/// <summary>One line of `job list`.</summary>
[GenerateSerializer, Immutable, Alias("distributed.job-summary")]
public sealed record JobSummary(
    [property: Id(0)] string Id,
    [property: Id(1)] string Name,
    [property: Id(2)] JobState State,
    [property: Id(3)] long Step,
    [property: Id(4)] long TotalSteps,
    [property: Id(5)] int Workers,
    [property: Id(6)] DateTimeOffset Created,
    [property: Id(7)] DateTimeOffset Updated);
