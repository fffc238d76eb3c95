namespace Serverless.Training.Data;

/// <summary>Train, validation and test examples, with the sources they came from for the card and lineage.</summary>
/// <param name="Train">Examples the model is fitted on.</param>
/// <param name="Validation">Examples used to choose hyperparameters and epochs.</param>
/// <param name="Test">Held-out examples the reported metrics are computed on.</param>
/// <param name="Dataset">The training dataset's source (lineage "dataset").</param>
/// <param name="DatasetSha256">sha256 of the training dataset's bytes (lineage "dataset_sha256").</param>
public sealed record DatasetSplits(
    IReadOnlyList<LabelledExample> Train,
    IReadOnlyList<LabelledExample> Validation,
    IReadOnlyList<LabelledExample> Test,
    string Dataset,
    string DatasetSha256)
{
    /// <summary>Split names in the order the card shows them.</summary>
    public static IReadOnlyList<string> SplitNames { get; } = ["train", "validation", "test"];

    /// <summary>The model's labels: the training labels in ordinal order (the logits' column order).</summary>
    public IReadOnlyList<string> Labels => DatasetStatistics.LabelsOf(Train);

    /// <summary>Where validation and test came from when they were not drawn from the training dataset, else null.</summary>
    public IReadOnlyDictionary<string, string>? SeparateSources { get; init; }

    /// <summary>The examples of one split by name (train, validation, test).</summary>
    public IReadOnlyList<LabelledExample> this[string split] => split switch
    {
        "train" => Train,
        "validation" => Validation,
        "test" => Test,
        _ => throw new ArgumentOutOfRangeException(nameof(split), split, "Use train, validation or test."),
    };

    /// <summary>Class counts per split: split → label → count.</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, int>> ClassCounts() =>
        SplitNames.ToDictionary(s => s, s => DatasetStatistics.ClassCounts(this[s]));
}
