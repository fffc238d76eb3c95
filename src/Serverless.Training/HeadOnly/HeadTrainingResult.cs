using Serverless.Packages;
using Serverless.Training.Evaluation;

namespace Serverless.Training.HeadOnly;

/// <summary>What head-only training produced.</summary>
/// <param name="PackageDirectory">The written classifier package.</param>
/// <param name="Manifest">Its manifest (metrics, lineage).</param>
/// <param name="Test">Metrics of the fitted head on the test split.</param>
/// <param name="Validation">Metrics of the fitted head on the validation split.</param>
/// <param name="L2">The penalty chosen on validation.</param>
/// <param name="Parity">How the written package, run by the serving engine, agrees with the fitted head on the test split.</param>
/// <param name="Elapsed">Wall time of the whole run.</param>
public sealed record HeadTrainingResult(
    string PackageDirectory,
    Manifest Manifest,
    ClassificationReport Test,
    ClassificationReport Validation,
    double L2,
    ParityReport Parity,
    TimeSpan Elapsed)
{
    /// <summary>Metrics on the validation split before the decision calibration.</summary>
    public required ClassificationReport UncalibratedValidation { get; init; }

    /// <summary>The package's lineage.</summary>
    public required Lineage Lineage { get; init; }

    /// <summary>What the package's card shows.</summary>
    public required Cards.ModelCardContent Card { get; init; }
}
