namespace Serverless.Functions.Training;

/// <summary>The <c>status</c> values of a training run (SPEC "Training runs").</summary>
public static class TrainingRunStatuses
{
    /// <summary>Accepted; the orchestration has not started yet.</summary>
    public const string Pending = "Pending";

    /// <summary>Checking data, training, evaluating or publishing.</summary>
    public const string Running = "Running";

    /// <summary>Published and passed the gate; the <c>candidate</c> alias points at it until approved.</summary>
    public const string AwaitingApproval = "AwaitingApproval";

    /// <summary>Published, and <c>production</c> points at the new version.</summary>
    public const string Published = "Published";

    /// <summary>Published, but the gate, the approver or a moved production kept it from <c>production</c>.</summary>
    public const string Rejected = "Rejected";

    /// <summary>Ended without a candidate; <c>error</c> says why.</summary>
    public const string Failed = "Failed";

    /// <summary>Stopped on request before a candidate was published.</summary>
    public const string Canceled = "Canceled";

    /// <summary>True for a status that no longer changes.</summary>
    public static bool IsEnded(string status) => status is Published or Rejected or Failed or Canceled;
}
