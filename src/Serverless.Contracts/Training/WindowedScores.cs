using System.Text.Json.Serialization;

namespace Serverless.Training;

/// <summary>
/// The candidate scored on the evaluation split as a caller sending <c>"long": "windows"</c> is served: the texts longer
/// than the model's maximum length classified in windows (probabilities pooled), the others as with the default
/// truncation. Reported beside the default scores, never used by a choice or the gate.
/// </summary>
/// <param name="LongTexts">How many texts of the split are longer than the maximum length.</param>
/// <param name="Accuracy">Accuracy over the whole split.</param>
/// <param name="MacroF1">Macro-averaged F1 over the whole split.</param>
public sealed record WindowedScores(
    [property: JsonPropertyName("long_texts")] int LongTexts,
    [property: JsonPropertyName("accuracy")] double Accuracy,
    [property: JsonPropertyName("macro_f1")] double MacroF1);
