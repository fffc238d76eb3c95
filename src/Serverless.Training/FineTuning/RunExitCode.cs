namespace Serverless.Training.FineTuning;

/// <summary>
/// Exit codes of the trainer's <c>run</c> command. The Container Apps job retries a non-zero exit, so a run that ended
/// (succeeded, or failed for good with status.json and the Failed event written) exits 0; only a crash is retried.
/// </summary>
public static class RunExitCode
{
    /// <summary>The run ended and reported its outcome: Succeeded or Failed.</summary>
    public const int Ended = 0;

    /// <summary>The run stopped without reporting an outcome; a retry resumes it.</summary>
    public const int Unfinished = 1;

    /// <summary>The command line is wrong.</summary>
    public const int BadCommandLine = 2;

    /// <summary>The exit code for the status <see cref="FineTuningRun.RunAsync"/> returned.</summary>
    public static int Of(TrainingRunStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        return status.HasEnded ? Ended : Unfinished;
    }
}
