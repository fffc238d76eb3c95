using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

using Serverless.Packages;
using Serverless.Training.Choices;
using Serverless.Training.Data;
using Serverless.Training.Evaluation;

namespace Serverless.Training.Cards;

/// <summary>
/// The model card of a version: card.md (data, hyperparameters, per-class metrics, confusion matrix, curves, lineage) and
/// its SVG plots, as files for <see cref="ModelPackageContent.ExtraFiles"/>.
/// </summary>
public static class ModelCard
{
    /// <summary>Relative path of the training loss plot.</summary>
    public const string LossPlot = "plots/training_loss.svg";

    /// <summary>Relative path of the validation metrics plot.</summary>
    public const string ValidationPlot = "plots/validation_metrics.svg";

    /// <summary>Relative path of the confusion matrix heatmap.</summary>
    public const string ConfusionMatrixPlot = "plots/confusion_matrix.svg";

    /// <summary>Relative path of the reliability diagram (calibration on the test split).</summary>
    public const string ReliabilityPlot = "plots/reliability.svg";

    /// <summary>Returns card.md and the plots by relative path.</summary>
    public static IReadOnlyDictionary<string, byte[]> Create(ModelCardContent content)
    {
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal)
        {
            [PackageFiles.Card] = Encoding.UTF8.GetBytes(Markdown(content)),
            [ConfusionMatrixPlot] = Encoding.UTF8.GetBytes(SvgPlot.ConfusionMatrixHeatmap(content.TestMetrics.ConfusionMatrix)),
        };
        if (content.Diagnostics is { } diagnostics)
        {
            files[ReliabilityPlot] = Encoding.UTF8.GetBytes(SvgPlot.ReliabilityDiagram(diagnostics.Calibration));
        }

        if (content.Loss.Count > 0)
        {
            files[LossPlot] = Encoding.UTF8.GetBytes(SvgPlot.LineChart(
                "Training loss", content.EpochLabel, "loss",
                [new PlotSeries("training loss", content.Loss.Select(p => (p.Epoch, p.Loss)).ToArray())]));
        }

        if (content.ValidationCurve.Count > 0)
        {
            var series = new List<PlotSeries>
            {
                new("validation accuracy", content.ValidationCurve.Select(m => ((double)m.Epoch, m.Accuracy)).ToArray()),
                new("validation macro-F1", content.ValidationCurve.Select(m => ((double)m.Epoch, m.MacroF1)).ToArray()),
            };
            files[ValidationPlot] = Encoding.UTF8.GetBytes(SvgPlot.LineChart(
                "Validation metrics", content.EpochLabel, "metric", series, (Math.Min(0.5, content.ValidationCurve.Min(m => Math.Min(m.Accuracy, m.MacroF1))), 1)));
        }

        return files;
    }

    /// <summary>The card's markdown.</summary>
    public static string Markdown(ModelCardContent content)
    {
        var labels = content.TestMetrics.ConfusionMatrix.Labels;
        var md = new StringBuilder();
        md.AppendLine(Invariant($"# Model card: {content.ModelName}"))
            .AppendLine()
            .AppendLine(Invariant($"A {(content.Data.Labels.Count == 2 ? "binary" : $"{content.Data.Labels.Count}-class")} text classifier ({string.Join(", ", labels.Select(Inert))}) ") +
                Invariant($"trained from `{content.Base}` in training mode `{content.TrainingMode}` ({Describe(content.TrainingMode)}), created {content.CreatedAt:yyyy-MM-dd HH:mm} UTC."))
            .AppendLine()
            .AppendLine(Invariant($"**Test accuracy {content.TestMetrics.Accuracy:0.0000}, macro-F1 {content.TestMetrics.MacroF1:0.0000}** on {content.TestMetrics.Count} held-out examples."))
            .AppendLine();

        if (content.Selection is { } selection)
        {
            AppendSelection(md, selection);
        }

        md.AppendLine("## Data").AppendLine()
            .AppendLine(Invariant($"- Dataset: `{content.Data.Dataset}`"))
            .AppendLine(Invariant($"- sha256: `{content.Data.DatasetSha256}`"));
        foreach (var (split, source) in content.Data.SeparateSources ?? new Dictionary<string, string>())
        {
            md.AppendLine(Invariant($"- {split} data: `{source}`"));
        }

        if (content.Data.SeparateSources is null or { Count: < 2 })
        {
            md.AppendLine("- Splits not given separately were drawn from the dataset, stratified by label, with the seed in the hyperparameters.");
        }

        var counts = content.Data.ClassCounts();
        md.AppendLine().AppendLine("| label | train | validation | test | total |").AppendLine("|---|---:|---:|---:|---:|");
        foreach (var label in labels)
        {
            var perSplit = DatasetSplits.SplitNames.Select(s => counts[s].GetValueOrDefault(label)).ToArray();
            md.AppendLine(Invariant($"| {Inert(label)} | {perSplit[0]} | {perSplit[1]} | {perSplit[2]} | {perSplit.Sum()} |"));
        }

        var totals = DatasetSplits.SplitNames.Select(s => content.Data[s].Count).ToArray();
        md.AppendLine(Invariant($"| **total** | {totals[0]} | {totals[1]} | {totals[2]} | {totals.Sum()} |")).AppendLine();

        md.AppendLine("## Hyperparameters").AppendLine();
        if (content.Hyperparameters is { Count: > 0 } hyperparameters)
        {
            md.AppendLine("| name | value |").AppendLine("|---|---|");
            foreach (var (name, value) in hyperparameters)
            {
                md.AppendLine(Invariant($"| {Inert(name)} | {Inert(value?.ToJsonString() ?? "null")} |"));
            }
        }
        else
        {
            md.AppendLine("None recorded.");
        }

        if (content.Choices is { Count: > 0 } choices)
        {
            md.AppendLine();
            foreach (var (name, choice) in choices)
            {
                md.AppendLine(Invariant($"- {Inert(name)} {Inert(Shown(choice.Value))}{(choice.Chosen ? " (chosen)" : "")}: {Inert(choice.Reason)}"));
            }
        }

        md.AppendLine().AppendLine("## Metrics (test split)").AppendLine();
        AppendMetrics(md, content.TestMetrics);
        if (content.ValidationMetrics is { } validation)
        {
            md.AppendLine().AppendLine(Invariant($"Validation split: accuracy {validation.Accuracy:0.0000}, macro-F1 {validation.MacroF1:0.0000} on {validation.Count} examples."));
        }

        if (content.Offsets is { } offsets)
        {
            AppendOffsets(md, offsets, content.TestMetricsBeforeOffsets, content.TestMetrics);
        }

        md.AppendLine().AppendLine("## Confusion matrix (test split)").AppendLine()
            .AppendLine("Rows are actual labels, columns predicted labels.").AppendLine()
            .AppendLine("| actual \\ predicted | " + string.Join(" | ", labels.Select(Inert)) + " |")
            .AppendLine("|---|" + string.Concat(labels.Select(_ => "---:|")));
        for (var r = 0; r < labels.Count; r++)
        {
            md.AppendLine(Invariant($"| {Inert(labels[r])} | ") + string.Join(" | ", content.TestMetrics.ConfusionMatrix.Counts[r]) + " |");
        }

        md.AppendLine().AppendLine(Invariant($"![Confusion matrix]({ConfusionMatrixPlot})")).AppendLine();
        if (content.Diagnostics is { } diagnostics)
        {
            AppendCalibration(md, diagnostics.Calibration);
            if (diagnostics.Slices is { } slices)
            {
                AppendSlices(md, slices);
            }
        }

        if (content.Loss.Count > 0 || content.ValidationCurve.Count > 0)
        {
            md.AppendLine("## Training curves").AppendLine();
            if (content.Loss.Count > 0)
            {
                md.AppendLine(Invariant($"![Training loss]({LossPlot})")).AppendLine();
            }

            if (content.ValidationCurve.Count > 0)
            {
                var best = content.ValidationCurve.MaxBy(m => m.MacroF1)!;
                md.AppendLine(Invariant($"![Validation metrics]({ValidationPlot})")).AppendLine()
                    .AppendLine(Invariant($"Best validation macro-F1 {best.MacroF1:0.0000} at {content.EpochLabel} {best.Epoch}.")).AppendLine();
            }
        }

        md.AppendLine("## Lineage").AppendLine()
            .AppendLine(Invariant($"- Base: `{content.Base}`"))
            .AppendLine(Invariant($"- Training mode: `{content.TrainingMode}`"))
            .AppendLine(Invariant($"- Dataset: `{content.Data.Dataset}` (sha256 `{content.Data.DatasetSha256}`)"));
        if (content.RunId is not null)
        {
            md.AppendLine(Invariant($"- Training run: `{content.RunId}`"));
        }

        foreach (var note in content.Notes)
        {
            md.AppendLine(Invariant($"- {note}"));
        }

        return md.ToString();
    }

    private static void AppendMetrics(StringBuilder md, ClassificationReport report)
    {
        md.AppendLine(Invariant($"Accuracy **{report.Accuracy:0.0000}**, macro-F1 **{report.MacroF1:0.0000}** ({report.Count} examples)."))
            .AppendLine()
            .AppendLine("| label | precision | recall | F1 | support |")
            .AppendLine("|---|---:|---:|---:|---:|");
        foreach (var m in report.PerClass)
        {
            md.AppendLine(Invariant($"| {Inert(m.Label)} | {m.Precision:0.0000} | {m.Recall:0.0000} | {m.F1:0.0000} | {m.Support} |"));
        }
    }

    private static void AppendSelection(StringBuilder md, ModeSelection selection)
    {
        md.AppendLine("## Training modes compared").AppendLine()
            .AppendLine(Invariant($"Kept: **{ModeName(selection.Kept.Mode)}** — {Inert(selection.Reason)}. The choice looks at the validation split only (before decision calibration); the test split is scored afterwards for both."))
            .AppendLine()
            .AppendLine("| mode | validation accuracy | validation macro-F1 | test accuracy | test macro-F1 | kept |")
            .AppendLine("|---|---:|---:|---:|---:|---|");
        foreach (var candidate in new[] { selection.Head, selection.Full }.OfType<CandidateModel>())
        {
            md.AppendLine(Invariant($"| {ModeName(candidate.Mode)} | {candidate.Uncalibrated.Accuracy:0.0000} | {candidate.Uncalibrated.MacroF1:0.0000} | ") +
                Invariant($"{candidate.Test.Accuracy:0.0000} | {candidate.Test.MacroF1:0.0000} | {(ReferenceEquals(candidate, selection.Kept) ? "✓" : "")} |"));
        }

        md.AppendLine();
    }

    private static void AppendOffsets(StringBuilder md, DecisionOffsets offsets, ClassificationReport? before, ClassificationReport after)
    {
        md.AppendLine().AppendLine("## Decision calibration (validation split)").AppendLine()
            .AppendLine(Invariant($"Per-class logit offsets chosen on the validation split to maximise {offsets.Metric}, folded into the exported head's bias: {Inert(offsets.Reason)}."))
            .AppendLine();
        if (before is null)
        {
            return;
        }

        md.AppendLine("| label | offset | test precision before | after | test recall before | after |").AppendLine("|---|---:|---:|---:|---:|---:|");
        for (var k = 0; k < offsets.Labels.Count; k++)
        {
            var (b, a) = (before.PerClass[k], after.PerClass[k]);
            md.AppendLine(Invariant($"| {Inert(offsets.Labels[k])} | {offsets.Offsets[k]:+0.00;-0.00;0} | {b.Precision:0.0000} | {a.Precision:0.0000} | {b.Recall:0.0000} | {a.Recall:0.0000} |"));
        }

        md.AppendLine().AppendLine(Invariant($"Test accuracy {before.Accuracy:0.0000} → {after.Accuracy:0.0000}, macro-F1 {before.MacroF1:0.0000} → {after.MacroF1:0.0000}."));
    }

    private static string ModeName(string mode) => mode switch
    {
        "head" => "head-only",
        "full" => "full fine-tuning",
        _ => Inert(mode),
    };

    private static string Shown(JsonNode? value) => value?.GetValueKind() switch
    {
        System.Text.Json.JsonValueKind.True => "on",
        System.Text.Json.JsonValueKind.False => "off",
        null => "null",
        _ => value.ToJsonString(),
    };

    private static void AppendCalibration(StringBuilder md, ConfidenceCalibrationReport calibration)
    {
        md.AppendLine("## Calibration (test split)").AppendLine()
            .AppendLine(Invariant($"Expected calibration error **{calibration.ExpectedCalibrationError:0.0000}** over {calibration.Count} examples ") +
                Invariant($"({ConfidenceCalibration.BinCount} equal-width bins of the top label's probability; 0 means the confidences match the accuracy)."))
            .AppendLine()
            .AppendLine(Invariant($"![Reliability diagram]({ReliabilityPlot})")).AppendLine()
            .AppendLine("| confidence | examples | mean confidence | accuracy |").AppendLine("|---|---:|---:|---:|");
        foreach (var bin in calibration.Bins.Where(b => b.Count > 0))
        {
            md.AppendLine(Invariant($"| {bin.Lower:0.0}–{bin.Upper:0.0} | {bin.Count} | {bin.MeanConfidence:0.0000} | {bin.Accuracy:0.0000} |"));
        }

        md.AppendLine();
    }

    private static void AppendSlices(StringBuilder md, SliceReport slices)
    {
        md.AppendLine(Invariant($"## Slices by {Inert(slices.Field)} (test split)")).AppendLine()
            .AppendLine(Invariant($"{slices.SliceCount} slices, {slices.FlaggedCount} flagged (⚠): a slice of at least {SliceMetrics.MinFlaggedCount} examples is flagged when its accuracy or macro-F1 is ") +
                Invariant($"{SliceMetrics.FlaggedDrop * 100:0} points or more below the overall {slices.OverallAccuracy:0.0000} / {slices.OverallMacroF1:0.0000}. ") +
                Invariant($"A slice's macro-F1 averages over the labels its examples have; examples without a value form the slice {Inert(DatasetFields.NoSlice)}."));
        if (slices.Shown.Count < slices.SliceCount)
        {
            md.AppendLine().AppendLine(Invariant($"Shown: the {SliceMetrics.MaxShown} largest slices and every flagged one ({slices.Shown.Count} of {slices.SliceCount})."));
        }

        md.AppendLine().AppendLine("| slice | examples | accuracy | macro-F1 | flagged |").AppendLine("|---|---:|---:|---:|---|");
        foreach (var slice in slices.Shown)
        {
            md.AppendLine(Invariant($"| {Inert(slice.Value)} | {slice.Count} | {slice.Accuracy:0.0000} | {slice.MacroF1:0.0000} | {(slice.Flagged ? "⚠ flagged" : "")} |"));
        }

        md.AppendLine();
    }

    private static string Describe(string mode) => mode switch
    {
        "head" => "a logistic-regression head fitted on the frozen encoder's mean-pooled embeddings",
        "full" => "encoder and head fine-tuned together",
        _ => "custom",
    };

    /// <summary>
    /// Text from the data (labels, hyperparameter names and values) as inert markdown, in running text and in table cells
    /// alike: HTML's special characters become entities, so no label is live HTML; the characters that start emphasis,
    /// code, links, images or strike-through, and the table's pipe, are backslash-escaped; line breaks and other control
    /// characters become spaces, so a label can neither end a table row nor start a block.
    /// </summary>
    private static string Inert(string text)
    {
        var inert = new StringBuilder(text.Length + 8);
        foreach (var c in text)
        {
            switch (c)
            {
                case '&': inert.Append("&amp;"); break;
                case '<': inert.Append("&lt;"); break;
                case '>': inert.Append("&gt;"); break;
                case '\\' or '`' or '*' or '_' or '[' or ']' or '|' or '~' or '!': inert.Append('\\').Append(c); break;
                case var control when char.IsControl(control): inert.Append(' '); break;
                default: inert.Append(c); break;
            }
        }

        return inert.ToString();
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
