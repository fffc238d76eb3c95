using System.Text.Json.Nodes;
using System.Numerics.Tensors;

using Serverless.Training.Data;

namespace Serverless.Training.Evaluation;

/// <summary>
/// What the test split says beyond accuracy and F1, for the kept model in either training mode: calibration of its
/// confidences and, when the job names a slice field, metrics per slice.
/// </summary>
/// <param name="Calibration">Expected calibration error and reliability bins.</param>
/// <param name="Slices">Per-slice metrics, or null without a slice field.</param>
public sealed record TestSplitDiagnostics(ConfidenceCalibrationReport Calibration, SliceReport? Slices)
{
    /// <summary>Computes both from the model's logits on the test split.</summary>
    /// <param name="labels">The model's labels (the logits' order).</param>
    /// <param name="test">The test examples, in the logits' order; their <see cref="LabelledExample.Slice"/> is read when <paramref name="sliceField"/> is given.</param>
    /// <param name="logits">The model's logits per test example.</param>
    /// <param name="sliceField">The job's slice field, or null.</param>
    /// <param name="overall">The test metrics the slices are compared with.</param>
    public static TestSplitDiagnostics Compute(
        IReadOnlyList<string> labels, IReadOnlyList<LabelledExample> test, IReadOnlyList<float[]> logits, string? sliceField, ClassificationReport overall)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(test);
        var index = labels.Select((l, i) => (l, i)).ToDictionary(x => x.l, x => x.i, StringComparer.Ordinal);
        var actual = test.Select(e => index[e.Label]).ToArray();
        var calibration = ConfidenceCalibration.FromLogits(logits, actual);
        var slices = sliceField is null
            ? null
            : SliceMetrics.Compute(sliceField, labels, actual, logits.Select(l => TensorPrimitives.IndexOfMax(l)).ToArray(),
                test.Select(e => e.Slice ?? DatasetFields.NoSlice).ToArray(), overall);
        return new TestSplitDiagnostics(calibration, slices);
    }

    /// <summary>Adds "calibration" and, with slices, "slices" to a metrics object (the manifest's and the run status's).</summary>
    public void AddTo(JsonObject metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        metrics["calibration"] = Calibration.ToJson();
        if (Slices is not null)
        {
            metrics["slices"] = Slices.ToJson();
        }
    }
}
