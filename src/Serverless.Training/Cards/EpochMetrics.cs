namespace Serverless.Training.Cards;

/// <summary>Validation metrics after an epoch.</summary>
public sealed record EpochMetrics(int Epoch, double Accuracy, double MacroF1, double? Loss = null);
