namespace Serverless.Training.Data;

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
