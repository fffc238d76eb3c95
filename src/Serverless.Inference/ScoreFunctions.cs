using System.Globalization;
using System.Numerics.Tensors;

using Serverless.Classification;
using Serverless.Errors;

namespace Serverless.Inference;

/// <summary>Turns one text's logits into scores and a <see cref="TextClassification"/>. Stateless.</summary>
public static class ScoreFunctions
{
    /// <summary>Softmax, computed after subtracting the largest logit so no exponent overflows.</summary>
    public static float[] Softmax(ReadOnlySpan<float> logits)
    {
        var scores = new float[logits.Length];
        TensorPrimitives.Subtract(logits, TensorPrimitives.Max(logits), scores);
        TensorPrimitives.SoftMax(scores, scores);
        return scores;
    }

    /// <summary>An independent sigmoid per label.</summary>
    public static float[] Sigmoid(ReadOnlySpan<float> logits)
    {
        var scores = new float[logits.Length];
        TensorPrimitives.Sigmoid(logits, scores);
        return scores;
    }

    /// <summary>
    /// Scores every label (softmax, or sigmoid when multi-label), orders them by descending score (ties by label id), keeps
    /// the first <paramref name="topK"/>, and for multi-label models lists every label at or above the threshold.
    /// </summary>
    /// <exception cref="InvalidModelOutputException">A logit is NaN or infinite: no score can be given for it.</exception>
    public static TextClassification Classify(
        ReadOnlySpan<float> logits, IReadOnlyList<string> labels, bool multiLabel, float threshold, int? topK, bool truncated) =>
        Rank(Score(logits, labels, multiLabel), labels, multiLabel, threshold, topK, truncated, windows: null);

    /// <summary>
    /// Classifies one text from its windows' logits: each window is scored as <see cref="Classify"/> scores a text, then the
    /// scores are pooled per label — the mean of the softmax probabilities for single-label models, the maximum for
    /// multi-label ones (a label present anywhere in the text is present in it) — and ranked; the result carries the
    /// number of windows.
    /// </summary>
    /// <exception cref="InvalidModelOutputException">A logit is NaN or infinite: no score can be given for it.</exception>
    public static TextClassification ClassifyWindows(
        IReadOnlyList<float[]> windowLogits, IReadOnlyList<string> labels, bool multiLabel, float threshold, int? topK, bool truncated)
    {
        var pooled = new float[labels.Count];
        if (multiLabel)
        {
            Array.Fill(pooled, float.NegativeInfinity);
        }

        foreach (var logits in windowLogits)
        {
            var scores = Score(logits, labels, multiLabel);
            if (multiLabel)
            {
                TensorPrimitives.Max(pooled, scores, pooled);
            }
            else
            {
                TensorPrimitives.Add(pooled, scores, pooled);
            }
        }

        if (!multiLabel)
        {
            TensorPrimitives.Divide(pooled, windowLogits.Count, pooled);
        }

        return Rank(pooled, labels, multiLabel, threshold, topK, truncated, windowLogits.Count);
    }

    private static float[] Score(ReadOnlySpan<float> logits, IReadOnlyList<string> labels, bool multiLabel)
    {
        for (var i = 0; i < logits.Length; i++)
        {
            if (!float.IsFinite(logits[i]))
            {
                throw new InvalidModelOutputException(string.Create(CultureInfo.InvariantCulture,
                    $"The model produced a logit of {logits[i]} for label '{labels[i]}': this version is broken (for example a training run that diverged); classify with another version or publish a fixed one."));
            }
        }

        return multiLabel ? Sigmoid(logits) : Softmax(logits);
    }

    private static TextClassification Rank(
        float[] scores, IReadOnlyList<string> labels, bool multiLabel, float threshold, int? topK, bool truncated, int? windows)
    {
        // Labels are few: an insertion sort by descending score (ties by label id) allocates nothing beyond the order.
        var order = new int[scores.Length];
        for (var i = 0; i < order.Length; i++)
        {
            var label = i;
            var j = i;
            for (; j > 0 && scores[order[j - 1]] < scores[label]; j--)
            {
                order[j] = order[j - 1];
            }

            order[j] = label;
        }

        var kept = Math.Min(topK ?? order.Length, order.Length);
        var ranked = new LabelScore[kept];
        for (var i = 0; i < kept; i++)
        {
            ranked[i] = new LabelScore(labels[order[i]], scores[order[i]]);
        }

        string[]? above = null;
        if (multiLabel)
        {
            var count = 0;
            while (count < order.Length && scores[order[count]] >= threshold)
            {
                count++;
            }

            above = new string[count];
            for (var i = 0; i < count; i++)
            {
                above[i] = labels[order[i]];
            }
        }

        var top = order[0];
        return new TextClassification(labels[top], scores[top], ranked, above, truncated, windows);
    }
}
