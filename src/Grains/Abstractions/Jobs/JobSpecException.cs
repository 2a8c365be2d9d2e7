namespace Distributed.Grains.Jobs;

/// <summary>A job spec was refused: every problem found, each naming the field or flag to change.</summary>
[GenerateSerializer, Alias("distributed.job-spec-exception")]
public sealed class JobSpecException : Exception
{
    public JobSpecException(IReadOnlyList<string> problems)
        : base("the job was refused: " + string.Join("; ", problems))
    {
        Problems = [.. problems];
    }

    public JobSpecException()
    {
    }

    public JobSpecException(string message)
        : base(message)
    {
    }

    public JobSpecException(string message, Exception inner)
        : base(message, inner)
    {
    }

    [Id(0)]
    public string[] Problems { get; private set; } = [];
}
