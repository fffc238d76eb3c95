namespace Serverless.Training.Evaluation;

/// <summary>Computes accuracy, macro-F1, per-class metrics and the confusion matrix.</summary>
public static class ClassificationMetrics
{
    /// <summary>Evaluates predictions given as label indices into <paramref name="labels"/>.</summary>
    /// <remarks>
    /// A class never predicted has precision 0 and a class without examples recall 0 (as scikit-learn with
    /// zero_division=0); macro-F1 averages over every label of the model, or with <see cref="MacroAverage.LabelsWithSupport"/>
    /// over the labels that at least one example has.
    /// </remarks>
    public static ClassificationReport Compute(
        IReadOnlyList<string> labels, IReadOnlyList<int> actual, IReadOnlyList<int> predicted, MacroAverage average = MacroAverage.AllLabels)
    {
        if (actual.Count != predicted.Count)
        {
            throw new ArgumentException($"{actual.Count} actual labels but {predicted.Count} predictions.", nameof(predicted));
        }

        if (labels.Count == 0)
        {
            throw new ArgumentException("At least one label is needed.", nameof(labels));
        }

        var counts = new int[labels.Count][];
        for (var i = 0; i < labels.Count; i++)
        {
            counts[i] = new int[labels.Count];
        }

        var correct = 0;
        for (var i = 0; i < actual.Count; i++)
        {
            CheckIndex(actual[i], labels.Count, nameof(actual));
            CheckIndex(predicted[i], labels.Count, nameof(predicted));
            counts[actual[i]][predicted[i]]++;
            if (actual[i] == predicted[i])
            {
                correct++;
            }
        }

        var perClass = new ClassMetrics[labels.Count];
        var present = new bool[labels.Count];
        for (var c = 0; c < labels.Count; c++)
        {
            var truePositives = counts[c][c];
            var support = counts[c].Sum();
            var predictedAs = counts.Sum(row => row[c]);
            var precision = predictedAs == 0 ? 0 : (double)truePositives / predictedAs;
            var recall = support == 0 ? 0 : (double)truePositives / support;
            var f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
            perClass[c] = new ClassMetrics(labels[c], precision, recall, f1, support);
            present[c] = average == MacroAverage.AllLabels || support > 0;
        }

        var averaged = perClass.Where((_, c) => present[c]).ToArray();
        return new ClassificationReport(
            actual.Count,
            actual.Count == 0 ? 0 : (double)correct / actual.Count,
            averaged.Length == 0 ? 0 : averaged.Average(m => m.F1),
            perClass,
            new ConfusionMatrix(labels, counts));
    }

    /// <summary>Evaluates predictions given as label names; names outside <paramref name="labels"/> are an error.</summary>
    public static ClassificationReport Compute(IReadOnlyList<string> labels, IReadOnlyList<string> actual, IReadOnlyList<string> predicted)
    {
        var index = labels.Select((l, i) => (l, i)).ToDictionary(x => x.l, x => x.i, StringComparer.Ordinal);
        int IndexOf(string label) => index.TryGetValue(label, out var i)
            ? i
            : throw new ArgumentException($"'{label}' is not one of the labels {string.Join(", ", labels)}.", nameof(labels));
        return Compute(labels, actual.Select(IndexOf).ToArray(), predicted.Select(IndexOf).ToArray());
    }

    private static void CheckIndex(int index, int count, string name)
    {
        if (index < 0 || index >= count)
        {
            throw new ArgumentOutOfRangeException(name, index, $"Label indices must be in 0..{count - 1}.");
        }
    }
}
