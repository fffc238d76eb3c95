using System.Text.Json.Nodes;

namespace Serverless.Training.Evaluation;

/// <summary>One confidence bin of a reliability diagram.</summary>
/// <param name="Lower">Lowest confidence of the bin (inclusive).</param>
/// <param name="Upper">Highest confidence of the bin (exclusive, except 1.0 in the last bin).</param>
/// <param name="Count">Texts whose top-label confidence falls in the bin.</param>
/// <param name="MeanConfidence">Their mean confidence (0 when the bin is empty).</param>
/// <param name="Accuracy">Share of them predicted right (0 when the bin is empty).</param>
public sealed record ConfidenceBin(double Lower, double Upper, int Count, double MeanConfidence, double Accuracy);

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
