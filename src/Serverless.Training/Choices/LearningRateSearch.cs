using System.Globalization;

namespace Serverless.Training.Choices;

/// <summary>
/// The learning rates full fine-tuning tries: the request's rate alone when it gives one; otherwise the first
/// <see cref="TrainingHyperparameters.Trials"/> of <see cref="Candidates"/> (by default one on a CPU, where a trial costs
/// a full training, and four on CUDA). The rate kept is the trial with the best validation metric; the test split plays
/// no part.
/// </summary>
public static class LearningRateSearch
{
    /// <summary>Trials when the request leaves them null and the run trains on a CPU.</summary>
    public const int CpuTrials = 1;

    /// <summary>Trials when the request leaves them null and the run trains on CUDA.</summary>
    public const int CudaTrials = 4;

    /// <summary>
    /// The rates in the order they are tried: the usual BERT fine-tuning rate first, then the neighbours that most often
    /// beat it on small encoders (higher) and on larger or noisier data (lower).
    /// </summary>
    public static IReadOnlyList<double> Candidates { get; } = [TrainingHyperparameters.DefaultLearningRate, 8e-5, 3e-5, 1.2e-4, 2e-5, 1.6e-4, 1e-5, 2.4e-4];

    /// <summary>Decides which rates to try.</summary>
    /// <param name="learningRate">The request's learningRate; null lets the validation split decide.</param>
    /// <param name="trials">The request's trials; null takes the device's default.</param>
    /// <param name="onCpu">True when the run trains on a CPU.</param>
    public static LearningRateDecision Decide(double? learningRate, int? trials, bool onCpu)
    {
        if (learningRate is { } given)
        {
            var note = trials is > 1 ? Invariant($"given in the request (trials {trials} ignored: there is nothing to search)") : "given in the request";
            return new LearningRateDecision([given], Chosen: false, note);
        }

        var count = trials ?? (onCpu ? CpuTrials : CudaTrials);
        count = Math.Clamp(count, 1, Candidates.Count);
        var why = trials is null ? Invariant($"{count} by default on {(onCpu ? "a CPU" : "CUDA")}") : Invariant($"{count} as the request asks");
        var reason = count == 1
            ? Invariant($"the default rate; one trial ({why})")
            : Invariant($"the best of {count} trials on the validation split ({why})");
        return new LearningRateDecision(Candidates.Take(count).ToArray(), Chosen: true, reason);
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
