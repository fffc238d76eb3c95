namespace Serverless.Training.Data;

/// <summary>One text and its label.</summary>
public sealed record LabelledExample(string Text, string Label);

/// <summary>Names of the text and label fields (JSONL properties or CSV columns).</summary>
public sealed record DatasetFields(string TextField = DatasetFields.DefaultTextField, string LabelField = DatasetFields.DefaultLabelField)
{
    /// <summary>Default text field.</summary>
    public const string DefaultTextField = "text";

    /// <summary>Default label field.</summary>
    public const string DefaultLabelField = "label";

    /// <summary>The defaults: "text" and "label".</summary>
    public static DatasetFields Default { get; } = new();
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
