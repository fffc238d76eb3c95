using System.Text.Json.Nodes;

namespace Serverless.Training.Evaluation;

/// <summary>Per-slice metrics of one labelled set.</summary>
/// <param name="Field">The slice field.</param>
/// <param name="SliceCount">Distinct slice values, shown or not.</param>
/// <param name="FlaggedCount">Slices flagged, all of them shown.</param>
/// <param name="OverallAccuracy">Accuracy over every text, which the slices are compared with.</param>
/// <param name="OverallMacroF1">Macro-F1 over every text, which the slices are compared with.</param>
/// <param name="Shown">The <see cref="SliceMetrics.MaxShown"/> largest slices and any other flagged one, largest first.</param>
public sealed record SliceReport(
    string Field, int SliceCount, int FlaggedCount, double OverallAccuracy, double OverallMacroF1, IReadOnlyList<SliceResult> Shown)
{
    /// <summary>
    /// The metrics' "slices" object: field, count (slices in all), shown, flagged, the flag rule (min_count, max_drop) and
    /// values [{value, count, accuracy, macro_f1, flagged}], largest first.
    /// </summary>
    public JsonObject ToJson() => new()
    {
        ["field"] = Field,
        ["count"] = SliceCount,
        ["shown"] = Shown.Count,
        ["flagged"] = FlaggedCount,
        ["min_count"] = SliceMetrics.MinFlaggedCount,
        ["max_drop"] = SliceMetrics.FlaggedDrop,
        ["values"] = new JsonArray(Shown.Select(s => (JsonNode?)new JsonObject
        {
            ["value"] = s.Value,
            ["count"] = s.Count,
            ["accuracy"] = Round(s.Accuracy),
            ["macro_f1"] = Round(s.MacroF1),
            ["flagged"] = s.Flagged,
        }).ToArray()),
    };

    // As ClassificationReport: six decimals.
    private static double Round(double value) => Math.Round(value, 6);
}
