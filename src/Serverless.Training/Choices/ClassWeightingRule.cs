using System.Globalization;

namespace Serverless.Training.Choices;

/// <summary>
/// Whether a run weights its loss by inverse class frequency: as the request says, or, when it leaves
/// <see cref="TrainingHyperparameters.ClassWeights"/> null, weighted once the training split's largest class has at least
/// <see cref="ImbalanceRatio"/>× the examples of its smallest. Full fine-tuning weights the cross-entropy, head-only
/// training the examples, both with <see cref="BalancedWeights"/>.
/// </summary>
public static class ClassWeightingRule
{
    /// <summary>Largest-to-smallest class ratio from which a run left to choose weights the classes.</summary>
    public const double ImbalanceRatio = 3.0;

    /// <summary>Decides from the request's value and the training split's labels.</summary>
    /// <param name="requested">The request's classWeights; null lets the data decide.</param>
    /// <param name="trainLabels">Class index of every training example.</param>
    /// <param name="classes">Number of classes.</param>
    public static ClassWeightingDecision Decide(bool? requested, IReadOnlyList<int> trainLabels, int classes)
    {
        ArgumentNullException.ThrowIfNull(trainLabels);
        if (requested is { } given)
        {
            return new ClassWeightingDecision(given, Chosen: false, "given in the request");
        }

        // Classes without training examples cannot be weighted up; the splitter refuses such data anyway.
        var counts = Counts(trainLabels, classes).Where(c => c > 0).ToArray();
        var largest = counts.Length == 0 ? 0 : counts.Max();
        var smallest = counts.Length == 0 ? 0 : counts.Min();
        var weighted = smallest > 0 && largest >= ImbalanceRatio * smallest;
        var ratio = smallest == 0 ? 1.0 : (double)largest / smallest;
        return new ClassWeightingDecision(weighted, Chosen: true, string.Create(CultureInfo.InvariantCulture,
            $"largest class {Math.Floor(ratio * 10) / 10:0.0}× the smallest ({largest} and {smallest} training examples; weighted from {ImbalanceRatio:0}×)"));
    }

    /// <summary>"Balanced" class weights n / (classes × n_k), so every class carries the same total weight; 0 for a class without examples.</summary>
    public static double[] BalancedWeights(IReadOnlyList<int> labels, int classes)
    {
        ArgumentNullException.ThrowIfNull(labels);
        return Counts(labels, classes).Select(c => c == 0 ? 0 : (double)labels.Count / (classes * c)).ToArray();
    }

    private static int[] Counts(IReadOnlyList<int> labels, int classes)
    {
        var counts = new int[classes];
        foreach (var label in labels)
        {
            counts[label]++;
        }

        return counts;
    }
}
