namespace Serverless.Training.Evaluation;

/// <summary>Metrics of one slice (the texts sharing one value of the slice field).</summary>
/// <param name="Value">The slice field's value.</param>
/// <param name="Count">Texts in the slice.</param>
/// <param name="Accuracy">Their accuracy.</param>
/// <param name="MacroF1">Their macro-F1, over the labels the slice's texts have.</param>
/// <param name="Flagged">True when the slice is large enough and falls at least ten points below the overall figures.</param>
public sealed record SliceResult(string Value, int Count, double Accuracy, double MacroF1, bool Flagged);
