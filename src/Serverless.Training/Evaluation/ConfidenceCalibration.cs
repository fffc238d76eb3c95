using System.Numerics.Tensors;

using Serverless.Inference;

namespace Serverless.Training.Evaluation;

/// <summary>
/// Expected calibration error and reliability bins of a classifier's top-label probability: do its confidences mean
/// what they say (of the texts scored 0.8, are 80 % right)?
/// </summary>
public static class ConfidenceCalibration
{
    /// <summary>Equal-width confidence bins over [0, 1].</summary>
    public const int BinCount = 10;

    /// <summary>
    /// Calibration of single-label predictions given as logits: the confidence of a text is its largest softmax
    /// probability (as serving scores it), and it is right when that label is the actual one.
    /// </summary>
    /// <param name="logits">Logits per text.</param>
    /// <param name="actual">Actual label index per text.</param>
    public static ConfidenceCalibrationReport FromLogits(IReadOnlyList<float[]> logits, IReadOnlyList<int> actual)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(actual);
        if (logits.Count != actual.Count)
        {
            throw new ArgumentException($"{logits.Count} logit rows but {actual.Count} actual labels.", nameof(actual));
        }

        var confidences = new double[logits.Count];
        var correct = new bool[logits.Count];
        for (var i = 0; i < logits.Count; i++)
        {
            var probabilities = ScoreFunctions.Softmax(logits[i]);
            var top = TensorPrimitives.IndexOfMax(probabilities);
            confidences[i] = probabilities[top];
            correct[i] = top == actual[i];
        }

        return Compute(confidences, correct);
    }

    /// <summary>
    /// Bins the confidences into <see cref="BinCount"/> equal-width bins ([0, 0.1), [0.1, 0.2), …, [0.9, 1.0]; 1.0 falls
    /// in the last) and computes ECE = Σ (bin count / total) × |bin accuracy − bin mean confidence|.
    /// </summary>
    /// <param name="confidences">Top-label probability per text, in [0, 1].</param>
    /// <param name="correct">Whether the top label was the actual one, per text.</param>
    public static ConfidenceCalibrationReport Compute(IReadOnlyList<double> confidences, IReadOnlyList<bool> correct)
    {
        ArgumentNullException.ThrowIfNull(confidences);
        ArgumentNullException.ThrowIfNull(correct);
        if (confidences.Count != correct.Count)
        {
            throw new ArgumentException($"{confidences.Count} confidences but {correct.Count} outcomes.", nameof(correct));
        }

        var counts = new int[BinCount];
        var confidenceSums = new double[BinCount];
        var correctCounts = new int[BinCount];
        for (var i = 0; i < confidences.Count; i++)
        {
            var confidence = confidences[i];
            if (!(confidence is >= 0 and <= 1))
            {
                throw new ArgumentOutOfRangeException(nameof(confidences), confidence, "A confidence is a probability in [0, 1].");
            }

            var bin = Math.Min((int)(confidence * BinCount), BinCount - 1);
            counts[bin]++;
            confidenceSums[bin] += confidence;
            correctCounts[bin] += correct[i] ? 1 : 0;
        }

        var bins = new ConfidenceBin[BinCount];
        var error = 0.0;
        for (var b = 0; b < BinCount; b++)
        {
            var meanConfidence = counts[b] == 0 ? 0 : confidenceSums[b] / counts[b];
            var accuracy = counts[b] == 0 ? 0 : (double)correctCounts[b] / counts[b];
            bins[b] = new ConfidenceBin((double)b / BinCount, (double)(b + 1) / BinCount, counts[b], meanConfidence, accuracy);
            error += confidences.Count == 0 ? 0 : (double)counts[b] / confidences.Count * Math.Abs(accuracy - meanConfidence);
        }

        return new ConfidenceCalibrationReport(confidences.Count, error, bins);
    }
}
