using System.Text.Json.Nodes;

using Serverless.Packages;
using Serverless.Training.Cards;
using Serverless.Training.Evaluation;

namespace Serverless.Training.Choices;

/// <summary>A complete candidate package one training mode wrote, with what a choice between modes and its card need.</summary>
/// <param name="Mode"><see cref="TrainingHyperparameters.HeadMode"/> or <see cref="TrainingHyperparameters.FullMode"/>.</param>
/// <param name="Directory">The package folder (manifest written).</param>
/// <param name="Validation">Metrics on the validation split with the decision calibration applied.</param>
/// <param name="Uncalibrated">
/// The validation value of each metric before decision calibration, which the choice between modes compares: calibration
/// is fitted on that same split, so its own figure would flatter whichever mode it moved more.
/// </param>
/// <param name="Test">Metrics on the test split, reported, never used to choose.</param>
/// <param name="Metrics">The package's metrics.json.</param>
/// <param name="Lineage">The package's lineage.</param>
/// <param name="Card">What the package's card shows, so it can be written again with the comparison.</param>
public sealed record CandidateModel(
    string Mode, string Directory, ClassificationReport Validation, ClassificationReport Uncalibrated, ClassificationReport Test, JsonObject Metrics,
    Lineage Lineage, ModelCardContent Card)
{
    /// <summary>The uncalibrated validation value of <paramref name="metric"/> (accuracy or macro_f1), which modes are chosen by.</summary>
    public double ValidationMetric(string metric) => Uncalibrated.Get(metric);

    /// <summary>Validation (before and after calibration) and test accuracy and macro-F1, as the status and the manifest show a mode.</summary>
    public JsonObject Summary() => new()
    {
        ["validation_uncalibrated"] = new JsonObject { ["accuracy"] = Math.Round(Uncalibrated.Accuracy, 6), ["macro_f1"] = Math.Round(Uncalibrated.MacroF1, 6) },
        ["validation"] = new JsonObject { ["accuracy"] = Math.Round(Validation.Accuracy, 6), ["macro_f1"] = Math.Round(Validation.MacroF1, 6) },
        ["test"] = new JsonObject { ["accuracy"] = Math.Round(Test.Accuracy, 6), ["macro_f1"] = Math.Round(Test.MacroF1, 6) },
    };
}
