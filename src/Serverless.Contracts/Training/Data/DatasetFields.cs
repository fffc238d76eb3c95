namespace Serverless.Training.Data;

/// <summary>Names of the text, label and (optional) slice fields (JSONL properties or CSV columns).</summary>
/// <param name="TextField">Field holding the text.</param>
/// <param name="LabelField">Field holding the label.</param>
/// <param name="SliceField">Field whose values group the texts for per-slice metrics; null for none.</param>
public sealed record DatasetFields(
    string TextField = DatasetFields.DefaultTextField, string LabelField = DatasetFields.DefaultLabelField, string? SliceField = null)
{
    /// <summary>The slice of an example whose slice field is missing, null or empty: a slice of its own, never an error.</summary>
    public const string NoSlice = "(none)";

    /// <summary>Default text field.</summary>
    public const string DefaultTextField = "text";

    /// <summary>Default label field.</summary>
    public const string DefaultLabelField = "label";

    /// <summary>The defaults: "text" and "label", no slice field.</summary>
    public static DatasetFields Default { get; } = new();

    /// <summary>The fields a training job names.</summary>
    public static DatasetFields Of(TrainingJob job)
    {
        ArgumentNullException.ThrowIfNull(job);
        return new(job.TextField, job.LabelField, job.SliceField);
    }
}
