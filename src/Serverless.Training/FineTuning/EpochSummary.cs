namespace Serverless.Training.FineTuning;

/// <summary>One finished epoch: its mean training loss and validation metrics.</summary>
public sealed record EpochSummary(int Epoch, double TrainLoss, double ValidationAccuracy, double ValidationMacroF1);
