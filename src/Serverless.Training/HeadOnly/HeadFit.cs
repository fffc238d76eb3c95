using Serverless.Training.Cards;
using Serverless.Training.Evaluation;

namespace Serverless.Training.HeadOnly;

/// <summary>A head chosen on validation data, with its training history.</summary>
/// <param name="Model">The fitted head.</param>
/// <param name="L2">The L2 penalty that won on validation.</param>
/// <param name="Validation">The chosen head's validation metrics.</param>
/// <param name="ValidationMacroF1ByL2">Validation macro-F1 of every candidate penalty.</param>
/// <param name="Loss">Training loss per epoch of the chosen fit.</param>
/// <param name="ValidationCurve">Validation metrics per epoch of the chosen fit.</param>
public sealed record HeadFit(
    LogisticRegressionModel Model,
    double L2,
    ClassificationReport Validation,
    IReadOnlyDictionary<double, double> ValidationMacroF1ByL2,
    IReadOnlyList<LossPoint> Loss,
    IReadOnlyList<EpochMetrics> ValidationCurve);
