using Serverless.Training.Cards;
using Serverless.Training.Evaluation;

namespace Serverless.Training.HeadOnly;

/// <summary>Fits a logistic-regression head for each candidate L2 penalty and keeps the best on validation.</summary>
public static class HeadFitter
{
    /// <summary>
    /// Fits one head per penalty in <paramref name="l2Candidates"/> and returns the one with the highest validation
    /// macro-F1 (ties: lower validation cross-entropy, then the larger penalty).
    /// </summary>
    /// <param name="labels">Label names in class-index order.</param>
    /// <param name="train">Training embeddings and class indices.</param>
    /// <param name="validation">Validation embeddings and class indices.</param>
    /// <param name="l2Candidates">Penalties to try.</param>
    /// <param name="options">Epochs, step size and class weights (its L2 is replaced by each candidate).</param>
    /// <param name="progress">Receives the share of the fits done, 0–1.</param>
    /// <param name="cancellationToken">Stops between epochs.</param>
    public static HeadFit Fit(
        IReadOnlyList<string> labels,
        (IReadOnlyList<float[]> Features, IReadOnlyList<int> Labels) train,
        (IReadOnlyList<float[]> Features, IReadOnlyList<int> Labels) validation,
        IReadOnlyList<double> l2Candidates,
        LogisticRegressionOptions options,
        IProgress<double>? progress = null,
        CancellationToken cancellationToken = default)
    {
        if (l2Candidates.Count == 0)
        {
            throw new ArgumentException("At least one L2 candidate is needed.", nameof(l2Candidates));
        }

        (HeadFit Fit, double CrossEntropy)? best = null;
        var scores = new Dictionary<double, double>();
        for (var c = 0; c < l2Candidates.Count; c++)
        {
            var l2 = l2Candidates[c];
            var loss = new List<LossPoint>();
            var curve = new List<EpochMetrics>();
            var model = LogisticRegression.Fit(
                train.Features,
                train.Labels,
                labels.Count,
                options with { L2 = l2 },
                (epoch, trainingLoss, current) =>
                {
                    loss.Add(new LossPoint(epoch, trainingLoss));
                    var head = current();
                    var report = ClassificationMetrics.Compute(labels, validation.Labels, head.Predict(validation.Features));
                    curve.Add(new EpochMetrics(epoch, report.Accuracy, report.MacroF1, head.CrossEntropy(validation.Features, validation.Labels)));
                    progress?.Report((c + ((double)epoch / options.Epochs)) / l2Candidates.Count);
                },
                cancellationToken);
            var validationReport = ClassificationMetrics.Compute(labels, validation.Labels, model.Predict(validation.Features));
            var crossEntropy = model.CrossEntropy(validation.Features, validation.Labels);
            scores[l2] = validationReport.MacroF1;
            var candidate = new HeadFit(model, l2, validationReport, scores, loss, curve);
            if (best is null || IsBetter(validationReport.MacroF1, crossEntropy, l2, best.Value))
            {
                best = (candidate, crossEntropy);
            }
        }

        return best!.Value.Fit with { ValidationMacroF1ByL2 = scores };
    }

    private static bool IsBetter(double macroF1, double crossEntropy, double l2, (HeadFit Fit, double CrossEntropy) best) =>
        macroF1 > best.Fit.Validation.MacroF1 + 1e-12 ||
        (Math.Abs(macroF1 - best.Fit.Validation.MacroF1) <= 1e-12 &&
            (crossEntropy < best.CrossEntropy - 1e-12 || (Math.Abs(crossEntropy - best.CrossEntropy) <= 1e-12 && l2 > best.Fit.L2)));
}
