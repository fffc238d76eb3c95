namespace Serverless.Training.Evaluation;

/// <summary>
/// Accuracy and macro-F1 per value of a slice field (does the model treat groups of texts alike?), flagging large
/// slices that fall well below the overall figures.
/// </summary>
public static class SliceMetrics
{
    /// <summary>Fewest texts a slice needs to be flagged: below that, a few errors swing its figures too far.</summary>
    public const int MinFlaggedCount = 20;

    /// <summary>A slice is flagged when its accuracy or macro-F1 is at least this far (0.10 = 10 points) below the overall one.</summary>
    public const double FlaggedDrop = 0.10;

    /// <summary>Most slices shown: the largest ones, and every flagged slice besides.</summary>
    public const int MaxShown = 50;

    // 0.9 - 0.8 is 0.0999…98 in doubles; a drop of exactly ten points must count as ten points.
    private const double Tolerance = 1e-9;

    /// <summary>Computes the metrics of every slice.</summary>
    /// <param name="field">Name of the slice field (for the report).</param>
    /// <param name="labels">The model's labels.</param>
    /// <param name="actual">Actual label index per text.</param>
    /// <param name="predicted">Predicted label index per text.</param>
    /// <param name="slices">Slice value per text.</param>
    /// <param name="overall">The metrics over all the texts, which slices are compared with.</param>
    /// <remarks>
    /// A slice's macro-F1 averages over the labels its texts have: a slice of one class is not penalised for the classes
    /// it does not hold (its macro-F1 is then that class's F1).
    /// </remarks>
    public static SliceReport Compute(
        string field, IReadOnlyList<string> labels, IReadOnlyList<int> actual, IReadOnlyList<int> predicted,
        IReadOnlyList<string> slices, ClassificationReport overall)
    {
        ArgumentNullException.ThrowIfNull(slices);
        ArgumentNullException.ThrowIfNull(overall);
        if (slices.Count != actual.Count || predicted.Count != actual.Count)
        {
            throw new ArgumentException($"{actual.Count} actual labels, {predicted.Count} predictions and {slices.Count} slice values.", nameof(slices));
        }

        var results = Enumerable.Range(0, slices.Count)
            .GroupBy(i => slices[i], StringComparer.Ordinal)
            .Select(group =>
            {
                var members = group.ToArray();
                var report = ClassificationMetrics.Compute(
                    labels, members.Select(i => actual[i]).ToArray(), members.Select(i => predicted[i]).ToArray(), MacroAverage.LabelsWithSupport);
                return new SliceResult(group.Key, report.Count, report.Accuracy, report.MacroF1, IsFlagged(report.Count, report.Accuracy, report.MacroF1, overall));
            })
            .OrderByDescending(s => s.Count)
            .ThenBy(s => s.Value, StringComparer.Ordinal)
            .ToArray();
        var shown = results.Where((s, rank) => rank < MaxShown || s.Flagged).ToArray();
        return new SliceReport(field, results.Length, results.Count(s => s.Flagged), overall.Accuracy, overall.MacroF1, shown);
    }

    /// <summary>
    /// The flag rule: at least <see cref="MinFlaggedCount"/> texts, and accuracy or macro-F1 at least
    /// <see cref="FlaggedDrop"/> below the overall figure.
    /// </summary>
    public static bool IsFlagged(int count, double accuracy, double macroF1, ClassificationReport overall)
    {
        ArgumentNullException.ThrowIfNull(overall);
        return count >= MinFlaggedCount &&
            (overall.Accuracy - accuracy >= FlaggedDrop - Tolerance || overall.MacroF1 - macroF1 >= FlaggedDrop - Tolerance);
    }
}
