using System.Globalization;
using System.Text.Json.Nodes;

namespace Serverless.Training;

/// <summary>Parity of the written ONNX model (run by the serving engine) with the trained model, either training mode.</summary>
/// <param name="Texts">Texts compared.</param>
/// <param name="MaxAbsoluteDifference">Largest absolute logit difference over every text and label.</param>
/// <param name="ArgMaxMismatches">Texts whose predicted label differs.</param>
/// <param name="Tolerance">The largest difference allowed.</param>
public sealed record ParityReport(int Texts, double MaxAbsoluteDifference, int ArgMaxMismatches, double Tolerance)
{
    /// <summary>True when every difference is within <see cref="Tolerance"/> and every argmax agrees.</summary>
    public bool Passed => MaxAbsoluteDifference <= Tolerance && ArgMaxMismatches == 0;

    /// <summary>The figures as recorded in status.json and the manifest.</summary>
    public JsonObject ToJson() => new()
    {
        ["texts"] = Texts,
        ["max_abs_diff"] = MaxAbsoluteDifference,
        ["argmax_mismatches"] = ArgMaxMismatches,
        ["tolerance"] = Tolerance,
        ["passed"] = Passed,
    };

    /// <summary>Share of texts with the same predicted label.</summary>
    public double Agreement => Texts == 0 ? 1 : (double)(Texts - ArgMaxMismatches) / Texts;

    /// <summary>One line for the card and the console.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"Serving parity: {Texts - ArgMaxMismatches}/{Texts} predictions agree ({Agreement:P2}), max |Δlogit| {MaxAbsoluteDifference:0.###e+0} (allowed {Tolerance:0e+0}).");
}
