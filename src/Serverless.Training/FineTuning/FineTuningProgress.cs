namespace Serverless.Training.FineTuning;

/// <summary>Where a fine-tuning run stands; reported after every step and after each epoch's validation.</summary>
/// <param name="Epoch">The current epoch, 1-based.</param>
/// <param name="Epochs">The number of epochs planned.</param>
/// <param name="Step">Optimisation steps done so far, over all epochs.</param>
/// <param name="Steps">Optimisation steps planned over all epochs.</param>
/// <param name="Loss">Mean training loss of the current epoch so far.</param>
/// <param name="ValidationAccuracy">Accuracy on the validation split after the latest finished epoch.</param>
/// <param name="ValidationMacroF1">Macro-F1 on the validation split after the latest finished epoch.</param>
public sealed record FineTuningProgress(
    int Epoch,
    int Epochs,
    int Step,
    int Steps,
    double Loss,
    double? ValidationAccuracy = null,
    double? ValidationMacroF1 = null);

/// <summary>One finished epoch: its mean training loss and validation metrics.</summary>
public sealed record EpochSummary(int Epoch, double TrainLoss, double ValidationAccuracy, double ValidationMacroF1);

/// <summary>The outcome of <see cref="FineTuner.TrainAsync"/>.</summary>
/// <param name="BestEpoch">The epoch (1-based) whose weights the model holds now.</param>
/// <param name="Epochs">Every finished epoch.</param>
/// <param name="StepLosses">The training loss of every step, in order.</param>
/// <param name="StoppedEarly">True when validation macro-F1 stopped improving before the last planned epoch.</param>
/// <param name="Resumed">True when training continued from a checkpoint.</param>
public sealed record FineTuningResult(
    int BestEpoch,
    IReadOnlyList<EpochSummary> Epochs,
    IReadOnlyList<double> StepLosses,
    bool StoppedEarly,
    bool Resumed)
{
    /// <summary>The summary of <see cref="BestEpoch"/>.</summary>
    public EpochSummary Best => Epochs.First(e => e.Epoch == BestEpoch);
}
