using System.Text.Json.Nodes;

namespace Serverless.Training.Evaluation;

/// <summary>Calibration of a classifier's top-label probability on one labelled set.</summary>
/// <param name="Count">Texts evaluated.</param>
/// <param name="ExpectedCalibrationError">ECE: the count-weighted mean gap between accuracy and confidence over the bins.</param>
/// <param name="Bins">The equal-width bins, lowest first, empty ones included.</param>
public sealed record ConfidenceCalibrationReport(int Count, double ExpectedCalibrationError, IReadOnlyList<ConfidenceBin> Bins)
{
    /// <summary>
    /// The metrics' "calibration" object: ece, count, and bins [{lower, upper, count, confidence, accuracy}] (empty bins
    /// included, so the ten always line up).
    /// </summary>
    public JsonObject ToJson() => new()
    {
        ["ece"] = Round(ExpectedCalibrationError),
        ["count"] = Count,
        ["bins"] = new JsonArray(Bins.Select(b => (JsonNode?)new JsonObject
        {
            ["lower"] = Round(b.Lower),
            ["upper"] = Round(b.Upper),
            ["count"] = b.Count,
            ["confidence"] = Round(b.MeanConfidence),
            ["accuracy"] = Round(b.Accuracy),
        }).ToArray()),
    };

    // As ClassificationReport: six decimals.
    private static double Round(double value) => Math.Round(value, 6);
}
