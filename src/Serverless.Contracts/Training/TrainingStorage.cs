namespace Serverless.Training;

/// <summary>
/// Where training runs live (SPEC "Training runs"): blob container <c>training</c>, one folder per run id, and the
/// <c>training-events</c> queue the trainer posts to when a run ends. The one place these names are spelled.
/// </summary>
public static class TrainingStorage
{
    /// <summary>The blob container holding run state.</summary>
    public const string Container = "training";

    /// <summary>The queue receiving end-of-run events.</summary>
    public const string EventsQueue = "training-events";

    /// <summary>The job spec the trainer reads.</summary>
    public static string Job(string runId) => $"{runId}/job.json";

    /// <summary>Progress the trainer writes.</summary>
    public static string Status(string runId) => $"{runId}/status.json";

    /// <summary>Candidate and production scored on the test split.</summary>
    public static string Evaluation(string runId) => $"{runId}/evaluation.json";

    /// <summary>The trainer's console output.</summary>
    public static string Log(string runId) => $"{runId}/trainer.log";

    /// <summary>Folder of the run's checkpoints (removed when the run ends).</summary>
    public static string Checkpoints(string runId) => $"{runId}/checkpoints/";

    /// <summary>Folder of the candidate package before publishing.</summary>
    public static string Candidate(string runId) => $"{runId}/candidate/";
}
