namespace Serverless.Training.Evaluation;

/// <summary>Precision, recall, F1 and support of one class.</summary>
public sealed record ClassMetrics(string Label, double Precision, double Recall, double F1, int Support);
