namespace Serverless.Training.Evaluation;

/// <summary>Counts of (actual, predicted) label pairs: rows are actual labels, columns predicted labels.</summary>
public sealed record ConfusionMatrix(IReadOnlyList<string> Labels, IReadOnlyList<IReadOnlyList<int>> Counts)
{
    /// <summary>Number of examples of <paramref name="actual"/> predicted as <paramref name="predicted"/>.</summary>
    public int this[int actual, int predicted] => Counts[actual][predicted];
}
