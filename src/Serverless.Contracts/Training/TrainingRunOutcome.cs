namespace Serverless.Training;

/// <summary>Outcome values the trainer writes to status.json and training events.</summary>
public static class TrainingRunOutcome
{
    /// <summary>The trainer is working on the run.</summary>
    public const string Running = "Running";

    /// <summary>The candidate package is ready under candidate/.</summary>
    public const string Succeeded = "Succeeded";

    /// <summary>The run failed; <see cref="TrainingRunStatus.Error"/> says why.</summary>
    public const string Failed = "Failed";
}
