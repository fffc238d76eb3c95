using System.Globalization;
using System.Numerics.Tensors;

using Microsoft.Extensions.Logging;

using Serverless.Inference;
using Serverless.Inference.Tokenization;
using Serverless.Options;
using Serverless.Packages;
using Serverless.Training.Data;
using Serverless.Training.Evaluation;

namespace Serverless.Training.FineTuning;

/// <summary>
/// Scores the candidate and the production version on the same test split with the serving engine
/// (<see cref="ClassificationEngine"/>, the code path that serves), so the gate compares like with like; where test texts
/// are longer than the candidate's maximum length, the candidate is also scored as <c>"long": "windows"</c> serves it.
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
        var (candidateScores, usedDevice, windows) = await ScoreAsync(candidate, labels, test, device, loggerFactory, withWindows: true, cancellationToken);
        if (production is not { } current)
        {
            return new TrainingEvaluation(TestSplit, usedDevice, test.Count, candidateScores, null, $"no production version of model '{model}'", windows);
        }

        var productionLabels = current.Package.Config.LabelsInOrder();
        if (!productionLabels.ToHashSet(StringComparer.Ordinal).SetEquals(labels))
        {
            return new TrainingEvaluation(TestSplit, usedDevice, test.Count, candidateScores, null, string.Create(CultureInfo.InvariantCulture,
                $"production version {current.Version} has labels [{string.Join(',', productionLabels)}] and the candidate [{string.Join(',', labels)}]: not comparable"),
                windows);
        }

        var (productionScores, _, _) = await ScoreAsync(current.Package, labels, test, device, loggerFactory, withWindows: false, cancellationToken);
        return new TrainingEvaluation(TestSplit, usedDevice, test.Count, candidateScores,
            new ProductionScores(current.Version, productionScores.Accuracy, productionScores.MacroF1), null, windows);
    }

    /// <summary>Logits per text from the engine, in the order of <paramref name="texts"/>, asked for in slices the engine's queue takes.</summary>
    internal static Task<IReadOnlyList<float[]>> GetLogitsAsync(ClassificationEngine engine, IReadOnlyList<string> texts, CancellationToken cancellationToken) =>
        engine.GetLogitsInSlicesAsync(texts, cancellationToken);

    private static async Task<(EvaluationScores Scores, string Device, WindowedScores? Windows)> ScoreAsync(
        ModelPackage package, IReadOnlyList<string> labels, IReadOnlyList<LabelledExample> test, InferenceDevice device,
        ILoggerFactory loggerFactory, bool withWindows, CancellationToken cancellationToken)
    {
        await using var engine = await ClassificationEngine.CreateAsync(package, new ServingOptions { Device = device }, new BatchingOptions(), loggerFactory, cancellationToken);
        var texts = test.Select(e => e.Text).ToArray();
        var actual = test.Select(e => e.Label).ToArray();
        var logits = await GetLogitsAsync(engine, texts, cancellationToken);
        // Predictions are label names, so a model with the same labels in another order is scored correctly.
        var predicted = logits.Select(l => engine.Labels[TensorPrimitives.IndexOfMax(l)]).ToArray();
        var scores = Scores(ClassificationMetrics.Compute(labels, actual, predicted));
        if (!withWindows)
        {
            return (scores, engine.Device, null);
        }

        // Only the texts the default cuts are scored again in windows; the others are one window, the same prediction.
        var tokenizer = BertTextTokenizer.Create(package);
        var longTexts = Enumerable.Range(0, texts.Length).Where(i => tokenizer.Tokenize(texts[i], package.MaxLength).Truncated).ToArray();
        if (longTexts.Length == 0)
        {
            return (scores, engine.Device, null);
        }

        var windowed = await engine.ClassifyInWindowsInSlicesAsync(longTexts.Select(i => texts[i]).ToArray(), cancellationToken);
        for (var j = 0; j < longTexts.Length; j++)
        {
            predicted[longTexts[j]] = windowed[j].Label;
        }

        var inWindows = Scores(ClassificationMetrics.Compute(labels, actual, predicted));
        return (scores, engine.Device, new WindowedScores(longTexts.Length, inWindows.Accuracy, inWindows.MacroF1));
    }

    // Rounded as the manifest's metrics are, so the candidate's figures read the same in both places.
    private static EvaluationScores Scores(ClassificationReport report) => new(Math.Round(report.Accuracy, 6), Math.Round(report.MacroF1, 6));
}
