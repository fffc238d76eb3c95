using System.Globalization;

using Microsoft.Extensions.Logging;

using Serverless.Packages;
using Serverless.Registry;
using Serverless.Training.Data;

namespace Serverless.Training.Evaluation;

/// <summary>
/// The int8 step of every package a trainer writes: makes <see cref="PackageFiles.QuantizedModel"/> from the written
/// package's fp32 model and keeps it only if, on the validation split, neither accuracy nor macro-F1 falls by more than
/// <see cref="Int8Variant.MaxPointsLost"/> points against fp32 (both scored by the serving engine). The manifest is
/// rewritten with the figures, or with why the variant was dropped; then every variant's unpadded graph is added and held
/// to parity (<see cref="UnpaddedGraphs"/>), the manifest written last.
/// </summary>
public static class Int8VariantGate
{
    /// <summary>Adds and gates the int8 variant of the package in <paramref name="packageDirectory"/>; returns the new manifest.</summary>
    /// <param name="packageDirectory">A package folder with its manifest written (metrics and lineage are kept).</param>
    /// <param name="validation">The validation split (never the test split: the gate is a choice).</param>
    /// <param name="loggerFactory">Logs of the engines.</param>
    /// <param name="cancellationToken">Stops the scoring.</param>
    public static async Task<Manifest> ApplyAsync(
        string packageDirectory, IReadOnlyList<LabelledExample> validation, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(validation);
        var written = ModelPackage.Open(packageDirectory);
        var labels = written.Config.LabelsInOrder();
        var index = labels.Select((label, i) => (label, i)).ToDictionary(x => x.label, x => x.i, StringComparer.Ordinal);
        var examples = validation.Where(e => index.ContainsKey(e.Label)).ToArray();
        // The decision calibration was fitted on this split, so its boundary sits among these very texts and any change of
        // the logits flips more of them than elsewhere: the loss int8 adds is measured with the offsets taken out.
        var offsets = DecisionOffsets.Read(written.Manifest.Metrics, labels);
        var predictions = await Int8Variant.PredictAsync(packageDirectory, [.. examples.Select(e => e.Text)], written.Manifest.Metrics,
            written.Manifest.Lineage, loggerFactory, cancellationToken, offsets);
        var gold = examples.Select(e => index[e.Label]).ToArray();
        var fp32 = ClassificationMetrics.Compute(labels, gold, predictions.Fp32);
        var int8 = ClassificationMetrics.Compute(labels, gold, predictions.Int8);
        double accuracyLost = Points(fp32.Accuracy - int8.Accuracy), macroF1Lost = Points(fp32.MacroF1 - int8.MacroF1);
        var passed = examples.Length > 0 && accuracyLost <= Int8Variant.MaxPointsLost && macroF1Lost <= Int8Variant.MaxPointsLost;
        var verdict = new ManifestVariant
        {
            File = PackageFiles.QuantizedModel,
            Gate = string.Create(CultureInfo.InvariantCulture,
                $"validation split{(offsets is null ? "" : ", decision offsets taken out")}: accuracy and macro_f1 each within {Int8Variant.MaxPointsLost} points of fp32"),
            Texts = examples.Length,
            Accuracy = Math.Round(int8.Accuracy, 6),
            MacroF1 = Math.Round(int8.MacroF1, 6),
            Fp32Accuracy = Math.Round(fp32.Accuracy, 6),
            Fp32MacroF1 = Math.Round(fp32.MacroF1, 6),
            Agreement = Math.Round(predictions.Agreement, 6),
            Dropped = passed ? null : examples.Length == 0 ? "the validation split has no texts to gate it on"
                : string.Create(CultureInfo.InvariantCulture,
                    $"on {examples.Length} validation texts it lost {accuracyLost:0.00} accuracy points and {macroF1Lost:0.00} macro-F1 points against fp32 (at most {Int8Variant.MaxPointsLost} allowed)"),
        };
        Int8Variant.Finish(packageDirectory, verdict, written.Manifest.Metrics, written.Manifest.Lineage);
        return await UnpaddedGraphs.AddAsync(packageDirectory, loggerFactory.CreateLogger(typeof(UnpaddedGraphs)), cancellationToken);
    }

    // Rounded so that a loss of exactly the limit (e.g. 1 text in 200) is not refused by a floating-point residue.
    private static double Points(double share) => Math.Round(share * 100, 9);
}
