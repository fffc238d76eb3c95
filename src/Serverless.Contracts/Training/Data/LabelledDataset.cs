namespace Serverless.Training.Data;

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
