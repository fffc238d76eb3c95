using System.Globalization;
using System.Numerics.Tensors;

namespace Serverless.Training.Evaluation;

/// <summary>
/// Calibrates a single-label classifier's decision on the validation split: a per-class offset added to the logits (and
/// so folded into the head's bias, which serving needs no new logic for) chosen to maximise the validation metric. The
/// search is coordinate ascent: for one class at a time, the offsets tried are those between the points where some
/// example's decision flips to or from that class (at most <see cref="MaxCandidates"/>, by quantile), so the search
/// needs no assumption about the logits' scale. Among offsets that reach the best metric the smallest in size wins, and
/// the offsets are kept only when they beat no offsets at all, so a well-fitted model keeps its decision. The first
/// label's offset stays 0 (softmax ignores a shared shift).
/// </summary>
public static class DecisionCalibration
{
    /// <summary>Most offsets tried for one class in one pass.</summary>
    public const int MaxCandidates = 256;

    /// <summary>Passes over the classes.</summary>
    public const int Rounds = 3;

    /// <summary>Largest number of labels calibrated; beyond it the search would cost more than it is likely to win.</summary>
    public const int MaxLabels = 20;

    /// <summary>Fewest validation examples of every label for calibrating: with fewer, offsets would fit the noise.</summary>
    public const int MinExamplesPerLabel = 10;

    /// <summary>Finds the offsets for <paramref name="logits"/> of the validation split.</summary>
    /// <param name="labels">The model's labels, in logit order.</param>
    /// <param name="logits">Validation logits, one row per example.</param>
    /// <param name="actual">The validation examples' label indices.</param>
    /// <param name="metric"><see cref="TrainingGate.AccuracyMetric"/> or <see cref="TrainingGate.MacroF1Metric"/>.</param>
    public static DecisionOffsets Fit(IReadOnlyList<string> labels, IReadOnlyList<float[]> logits, IReadOnlyList<int> actual, string metric)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(actual);
        var none = new float[labels.Count];
        var before = Score(labels, logits, actual, none, metric);
        if (labels.Count > MaxLabels)
        {
            return new DecisionOffsets(labels, none, metric, before, before, Invariant($"not calibrated: more than {MaxLabels} labels"));
        }

        var counts = new int[labels.Count];
        foreach (var label in actual)
        {
            counts[label]++;
        }

        var fewest = Array.IndexOf(counts, counts.Min());
        if (counts[fewest] < MinExamplesPerLabel)
        {
            return new DecisionOffsets(labels, none, metric, before, before,
                Invariant($"not calibrated: the validation split has {counts[fewest]} examples of '{labels[fewest]}', fewer than {MinExamplesPerLabel}"));
        }

        var offsets = new float[labels.Count];
        var best = before;
        for (var round = 0; round < Rounds; round++)
        {
            var changed = false;
            for (var k = 1; k < labels.Count; k++)
            {
                var current = offsets[k];
                var bestValue = current;
                foreach (var value in Candidates(logits, offsets, k))
                {
                    offsets[k] = value;
                    var score = Score(labels, logits, actual, offsets, metric);
                    if (score > best + 1e-12 || (Math.Abs(score - best) <= 1e-12 && Math.Abs(value) < Math.Abs(bestValue)))
                    {
                        best = score;
                        bestValue = value;
                    }
                }

                offsets[k] = bestValue;
                changed |= bestValue != current;
            }

            if (!changed)
            {
                break;
            }
        }

        return best > before
            ? new DecisionOffsets(labels, offsets, metric, before, best,
                Invariant($"validation {metric} {before:0.0000} → {best:0.0000} over {logits.Count} examples"))
            : new DecisionOffsets(labels, none, metric, before, before,
                Invariant($"no offset beats the model's own decision on validation {metric} ({before:0.0000} over {logits.Count} examples)"));
    }

    /// <summary>The logits with the offsets added (a new array per row).</summary>
    public static float[][] Apply(IReadOnlyList<float[]> logits, IReadOnlyList<float> offsets)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(offsets);
        return logits.Select(row => row.Select((value, k) => value + offsets[k]).ToArray()).ToArray();
    }

    /// <summary>The arg-max label index of each row after the offsets.</summary>
    public static int[] Predict(IReadOnlyList<float[]> logits, IReadOnlyList<float> offsets)
    {
        var predicted = new int[logits.Count];
        Span<float> shifted = stackalloc float[offsets.Count];
        for (var i = 0; i < logits.Count; i++)
        {
            for (var k = 0; k < shifted.Length; k++)
            {
                shifted[k] = logits[i][k] + offsets[k];
            }

            predicted[i] = TensorPrimitives.IndexOfMax(shifted);
        }

        return predicted;
    }

    private static double Score(IReadOnlyList<string> labels, IReadOnlyList<float[]> logits, IReadOnlyList<int> actual, float[] offsets, string metric)
    {
        return ClassificationMetrics.Compute(labels, actual, Predict(logits, offsets)).Get(metric);
    }

    /// <summary>
    /// Offsets of class <paramref name="k"/> worth trying with the others fixed: 0 and the midpoints between consecutive
    /// points where an example's shifted logit of <paramref name="k"/> meets the best of the other classes.
    /// </summary>
    private static IEnumerable<float> Candidates(IReadOnlyList<float[]> logits, float[] offsets, int k)
    {
        var flips = new float[logits.Count];
        for (var i = 0; i < logits.Count; i++)
        {
            var other = float.NegativeInfinity;
            for (var j = 0; j < offsets.Length; j++)
            {
                if (j != k)
                {
                    other = Math.Max(other, logits[i][j] + offsets[j]);
                }
            }

            flips[i] = other - logits[i][k];
        }

        Array.Sort(flips);
        var stride = Math.Max(1, flips.Length / MaxCandidates);
        var candidates = new List<float> { 0f };
        for (var i = 0; i + stride < flips.Length; i += stride)
        {
            candidates.Add((flips[i] + flips[i + stride]) / 2);
        }

        candidates.Add(flips[0] - 1);
        candidates.Add(flips[^1] + 1);
        return candidates.Distinct();
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
