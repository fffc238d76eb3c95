namespace Serverless.Training.Evaluation;

/// <summary>One confidence bin of a reliability diagram.</summary>
/// <param name="Lower">Lowest confidence of the bin (inclusive).</param>
/// <param name="Upper">Highest confidence of the bin (exclusive, except 1.0 in the last bin).</param>
/// <param name="Count">Texts whose top-label confidence falls in the bin.</param>
/// <param name="MeanConfidence">Their mean confidence (0 when the bin is empty).</param>
/// <param name="Accuracy">Share of them predicted right (0 when the bin is empty).</param>
public sealed record ConfidenceBin(double Lower, double Upper, int Count, double MeanConfidence, double Accuracy);
