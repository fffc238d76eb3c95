namespace Serverless.Training.Data;

/// <summary>One text and its label.</summary>
/// <param name="Text">The text.</param>
/// <param name="Label">Its class.</param>
/// <param name="Slice">
/// Its value of the dataset's slice field, when the job names one (<see cref="DatasetFields.NoSlice"/> where the example has
/// none); null when no slice field was asked for.
/// </param>
public sealed record LabelledExample(string Text, string Label, string? Slice = null);

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

/// <summary>A labelled dataset as loaded from one source, with the hash of its bytes for lineage.</summary>
/// <param name="Source">Where it came from (file path, blob path or a description), for messages and lineage.</param>
/// <param name="Sha256">Lower-case hex sha256 of the source bytes.</param>
/// <param name="Examples">The examples in source order.</param>
public sealed record LabelledDataset(string Source, string Sha256, IReadOnlyList<LabelledExample> Examples)
{
    /// <summary>Distinct labels in ordinal order.</summary>
    public IReadOnlyList<string> Labels => DatasetStatistics.LabelsOf(Examples);

    /// <summary>Examples per label, labels in ordinal order.</summary>
    public IReadOnlyDictionary<string, int> ClassCounts => DatasetStatistics.ClassCounts(Examples);
}

/// <summary>Label statistics of a list of examples.</summary>
public static class DatasetStatistics
{
    /// <summary>Distinct labels in ordinal order.</summary>
    public static IReadOnlyList<string> LabelsOf(IEnumerable<LabelledExample> examples) =>
        examples.Select(e => e.Label).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();

    /// <summary>Examples per label, labels in ordinal order.</summary>
    public static IReadOnlyDictionary<string, int> ClassCounts(IEnumerable<LabelledExample> examples)
    {
        var counts = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var example in examples)
        {
            counts[example.Label] = counts.GetValueOrDefault(example.Label) + 1;
        }

        return counts;
    }
}
