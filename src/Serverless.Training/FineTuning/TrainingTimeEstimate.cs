namespace Serverless.Training.FineTuning;

/// <summary>
/// Estimates the seconds a run still needs from the pace of the phase under way. Full fine-tuning: the current trial's
/// seconds per step for the steps left, and as long again per trial still planned. Head phase: its elapsed time over
/// its share done; when full fine-tuning follows (mode "auto") its cost is guessed from the pace of embedding — a
/// training step costs about <see cref="FullStepToEmbeddingRatio"/>× an inference pass per text — until full
/// fine-tuning's own pace replaces the guess. Not thread-safe.
/// </summary>
/// <param name="trainTexts">Texts in the training split.</param>
/// <param name="validationTexts">Texts in the validation split (scored after every epoch).</param>
/// <param name="epochs">Epochs planned for full fine-tuning.</param>
/// <param name="trials">Learning-rate trials planned for full fine-tuning.</param>
/// <param name="fullFollowsHead">True when full fine-tuning runs after the head phase.</param>
public sealed class TrainingTimeEstimate(int trainTexts, int validationTexts, int epochs, int trials, bool fullFollowsHead)
{
    /// <summary>
    /// Seconds of a fine-tuning step per text over seconds of an inference pass per text: forward and backward passes
    /// (~3× a forward) in TorchSharp, which on a CPU runs about twice as long as ONNX Runtime's optimised graph.
    /// </summary>
    public const double FullStepToEmbeddingRatio = 6;

    private double? _secondsPerEmbeddedText;
    private (int? Trial, int Step, double Seconds)? _trialStart;

    /// <summary>The estimate after <paramref name="progress"/>, <paramref name="phaseSeconds"/> into its phase (or trial); null while there is no pace yet.</summary>
    public double? SecondsLeft(FineTuningProgress progress, double phaseSeconds)
    {
        ArgumentNullException.ThrowIfNull(progress);
        if (progress.Phase == FineTuningProgress.HeadPhase)
        {
            if (progress is { Stage: "embedding", Step: > 0 })
            {
                _secondsPerEmbeddedText = phaseSeconds / progress.Step;
            }

            if (progress.Percent is not (> 0 and var percent))
            {
                return null;
            }

            var headLeft = phaseSeconds * (100 - percent) / percent;
            if (!fullFollowsHead)
            {
                return Math.Round(headLeft);
            }

            return _secondsPerEmbeddedText is { } perText
                ? Math.Round(headLeft + (perText * ((FullStepToEmbeddingRatio * trainTexts) + validationTexts) * epochs * trials))
                : null;
        }

        // A resumed trial starts at its checkpoint's step: the pace counts the steps taken here.
        if (_trialStart is not { } start || start.Trial != progress.Trial || progress.Step < start.Step)
        {
            _trialStart = start = (progress.Trial, progress.Step, phaseSeconds);
            return null;
        }

        if (progress.Step == start.Step || progress.Steps <= 0)
        {
            return null;
        }

        var perStep = (phaseSeconds - start.Seconds) / (progress.Step - start.Step);
        var trialsAfter = Math.Max(0, (progress.Trials ?? 1) - (progress.Trial ?? 1));
        return Math.Round(perStep * (progress.Steps - progress.Step + (trialsAfter * progress.Steps)));
    }
}
