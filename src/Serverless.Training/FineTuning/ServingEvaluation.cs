using System.Globalization;
using System.Numerics.Tensors;

using Microsoft.Extensions.Logging;

using Serverless.Inference;
using Serverless.Options;
using Serverless.Packages;
using Serverless.Training.Data;
using Serverless.Training.Evaluation;

namespace Serverless.Training.FineTuning;

/// <summary>
/// Scores the candidate and the production version on the same test split with the serving engine
/// (<see cref="ClassificationEngine"/>, the code path that serves), so the gate compares like with like.
/// </summary>
public static class ServingEvaluation
{
    /// <summary>The split the evaluation scores.</summary>
    public const string TestSplit = "test";

    /// <summary>
    /// Scores <paramref name="candidate"/> and, when it exists and has the candidate's labels, <paramref name="production"/>
    /// on <paramref name="test"/>; otherwise <see cref="TrainingEvaluation.ProductionSkipped"/> says why it was not scored.
    /// </summary>
    /// <param name="model">The registry name of the model (for the skip reason).</param>
    /// <param name="candidate">The candidate package.</param>
    /// <param name="production">The version the production alias points at, if any.</param>
    /// <param name="test">The test split.</param>
    /// <param name="device">Where the engine runs; <see cref="InferenceDevice.Auto"/> uses CUDA when it loads.</param>
    /// <param name="loggerFactory">Logs of the engine.</param>
    /// <param name="cancellationToken">Stops between slices.</param>
    public static async Task<TrainingEvaluation> EvaluateAsync(
        string model, ModelPackage candidate, (string Version, ModelPackage Package)? production, IReadOnlyList<LabelledExample> test,
        InferenceDevice device, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        ArgumentNullException.ThrowIfNull(test);
        var labels = candidate.Config.LabelsInOrder();
        var (candidateScores, usedDevice) = await ScoreAsync(candidate, labels, test, device, loggerFactory, cancellationToken);
        if (production is not { } current)
        {
            return new TrainingEvaluation(TestSplit, usedDevice, test.Count, candidateScores, null, $"no production version of model '{model}'");
        }

        var productionLabels = current.Package.Config.LabelsInOrder();
        if (!productionLabels.ToHashSet(StringComparer.Ordinal).SetEquals(labels))
        {
            return new TrainingEvaluation(TestSplit, usedDevice, test.Count, candidateScores, null, string.Create(CultureInfo.InvariantCulture,
                $"production version {current.Version} has labels [{string.Join(',', productionLabels)}] and the candidate [{string.Join(',', labels)}]: not comparable"));
        }

        var (productionScores, _) = await ScoreAsync(current.Package, labels, test, device, loggerFactory, cancellationToken);
        return new TrainingEvaluation(TestSplit, usedDevice, test.Count, candidateScores,
            new ProductionScores(current.Version, productionScores.Accuracy, productionScores.MacroF1), null);
    }

    /// <summary>Logits per text from the engine, in the order of <paramref name="texts"/>, asked for in slices the engine's queue takes.</summary>
    internal static Task<IReadOnlyList<float[]>> GetLogitsAsync(ClassificationEngine engine, IReadOnlyList<string> texts, CancellationToken cancellationToken) =>
        engine.GetLogitsInSlicesAsync(texts, cancellationToken);

    private static async Task<(EvaluationScores Scores, string Device)> ScoreAsync(
        ModelPackage package, IReadOnlyList<string> labels, IReadOnlyList<LabelledExample> test, InferenceDevice device,
        ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        await using var engine = await ClassificationEngine.CreateAsync(package, new ServingOptions { Device = device }, new BatchingOptions(), loggerFactory, cancellationToken);
        var logits = await GetLogitsAsync(engine, test.Select(e => e.Text).ToArray(), cancellationToken);
        // Predictions are label names, so a model with the same labels in another order is scored correctly.
        var predicted = logits.Select(l => engine.Labels[TensorPrimitives.IndexOfMax(l)]).ToArray();
        var report = ClassificationMetrics.Compute(labels, test.Select(e => e.Label).ToArray(), predicted);
        // Rounded as the manifest's metrics are, so the candidate's figures read the same in both places.
        return (new EvaluationScores(Math.Round(report.Accuracy, 6), Math.Round(report.MacroF1, 6)), engine.Device);
    }
}
