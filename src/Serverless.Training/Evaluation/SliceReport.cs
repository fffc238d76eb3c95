using System.Text.Json.Nodes;

namespace Serverless.Training.Evaluation;

/// <summary>Metrics of one slice (the texts sharing one value of the slice field).</summary>
/// <param name="Value">The slice field's value.</param>
/// <param name="Count">Texts in the slice.</param>
/// <param name="Accuracy">Their accuracy.</param>
/// <param name="MacroF1">Their macro-F1, over the labels the slice's texts have.</param>
/// <param name="Flagged">True when the slice is large enough and falls at least ten points below the overall figures.</param>
public sealed record SliceResult(string Value, int Count, double Accuracy, double MacroF1, bool Flagged);

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
