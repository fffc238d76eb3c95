using System.ComponentModel.DataAnnotations;

namespace Serverless.Functions.Training;

/// <summary>Training runs: defaults and the orchestration's timing. Section "Training".</summary>
public sealed class TrainingOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Training";

    /// <summary>The base encoder when a request names none (the quick start publishes <c>minilm</c>).</summary>
    [Required]
    public string DefaultBase { get; set; } = "minilm";

    /// <summary>How long the trainer may take before the run fails and the job is stopped.</summary>
    [Range(typeof(TimeSpan), "00:00:10", "7.00:00:00")]
    public TimeSpan Deadline { get; set; } = TimeSpan.FromHours(24);

    /// <summary>The first wait between two looks at the trainer when its end-of-run event does not come; it doubles from there.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The longest wait between two looks at the trainer.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "06:00:00")]
    public TimeSpan MaxPollInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How many times the trainer is started for one run when executions are lost (each resumes from its checkpoint).</summary>
    [Range(1, 20)]
    public int MaxTrainerStarts { get; set; } = 3;
}
