namespace Serverless.Training.FineTuning;

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
