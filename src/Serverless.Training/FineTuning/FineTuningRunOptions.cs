namespace Serverless.Training.FineTuning;

/// <summary>Settings of the trainer process (not of a job).</summary>
public sealed record FineTuningRunOptions
{
    /// <summary>Base model when the job names none.</summary>
    public string DefaultBase { get; init; } = "minilm";

    /// <summary>"auto" (CUDA when TorchSharp finds it, else CPU), "cpu" or "cuda".</summary>
    public string Device { get; init; } = "auto";

    /// <summary>CPU threads for TorchSharp; 0 picks one per core above two cores and a single thread on two or fewer.</summary>
    public int Threads { get; init; }

    /// <summary>Local folder for checkpoints and the candidate package while the run works.</summary>
    public required string WorkDirectory { get; init; }

    /// <summary>Minimum time between two status.json writes during training.</summary>
    public TimeSpan StatusInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Attempts at writing a failure's status.json and event while storage fails transiently.</summary>
    public int ReportAttempts { get; init; } = 5;

    /// <summary>Wait before the second attempt at reporting a failure; it doubles before each further one.</summary>
    public TimeSpan ReportBackoff { get; init; } = TimeSpan.FromSeconds(2);
}
