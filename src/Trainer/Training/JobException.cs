namespace Distributed.Trainer.Training;

/// <summary>
/// A job that cannot run as given: its message names the problem and what to do in the user's words (job-file
/// fields and command-line flags), so the CLI prints it as it is, without a stack trace.
/// </summary>
public sealed class JobException : Exception
{
    public JobException(string message)
        : base(message)
    {
    }

    public JobException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
