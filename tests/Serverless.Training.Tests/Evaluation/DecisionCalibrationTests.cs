using Serverless.Training.Evaluation;

namespace Serverless.Training.Tests.Evaluation;

public sealed class DecisionCalibrationTests
{
    private static readonly string[] Labels = ["ham", "spam"];

    [Fact]
    public void Fit_ModelThatUnderratesAClass_FindsTheOffsetThatRestoresItsDecision()
    {
        // The "true" margin is spam iff x > 0; the model's spam logit is 1.5 too low, so it misses every spam with x in (0, 1.5).
        var (logits, actual) = Shifted(spamShift: -1.5f);

        var calibration = DecisionCalibration.Fit(Labels, logits, actual, TrainingGate.MacroF1Metric);

        Assert.True(calibration.Changed);
        Assert.Equal(0f, calibration.Offsets[0]);
        Assert.InRange(calibration.Offsets[1], 1.2f, 1.8f);
        Assert.Equal(1.0, calibration.After, 6);
        Assert.True(calibration.Before < 0.9, $"before {calibration.Before}");
        var predicted = DecisionCalibration.Predict(logits, calibration.Offsets);
        Assert.Equal(actual, predicted);
    }

    [Fact]
    public void Fit_ModelWhoseDecisionIsAlreadyBest_KeepsZeroOffsetsAndSaysSo()
    {
        var (logits, actual) = Shifted(spamShift: 0);

        var calibration = DecisionCalibration.Fit(Labels, logits, actual, TrainingGate.AccuracyMetric);

        Assert.False(calibration.Changed);
        Assert.Equal(calibration.Before, calibration.After);
        Assert.StartsWith("no offset beats the model's own decision on validation accuracy", calibration.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Fit_ClassesSeparableByAShift_PlacesTheOffsetBetweenTheClosestExamplesOfEitherSide()
    {
        // Spam's logit sits 2 below ham's for every ham and 0.5 or 0.8 below it for every spam: an offset in (0.8, 2) is
        // perfect, and the search tries the midpoints between the examples' flips.
        float[][] rows = [[0, -2], [0, -2], [0, -0.5f], [0, -0.5f], [0, -0.8f]];
        int[] labels = [0, 0, 1, 1, 1];
        var logits = Enumerable.Repeat(rows, 10).SelectMany(r => r).ToArray();
        var actual = Enumerable.Repeat(labels, 10).SelectMany(l => l).ToArray();

        var calibration = DecisionCalibration.Fit(Labels, logits, actual, TrainingGate.MacroF1Metric);

        Assert.InRange(calibration.Offsets[1], 0.8f, 2f);
        Assert.Equal(1.0, calibration.After, 6);
    }

    [Fact]
    public void Fit_FewerValidationExamplesOfALabelThanTheMinimum_KeepsZeroOffsetsAndSaysWhy()
    {
        var (logits, actual) = Shifted(spamShift: -1.5f);
        var few = actual.Select((label, i) => (label, i)).Where(x => x.label == 0 || x.i % 20 == 0).Select(x => x.i).ToArray();

        var calibration = DecisionCalibration.Fit(Labels, few.Select(i => logits[i]).ToArray(), few.Select(i => actual[i]).ToArray(), TrainingGate.MacroF1Metric);

        Assert.False(calibration.Changed);
        Assert.Contains($"examples of 'spam', fewer than {DecisionCalibration.MinExamplesPerLabel}", calibration.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Apply_AddsEachLabelsOffsetToItsLogit()
    {
        var shifted = DecisionCalibration.Apply([[1f, 2f], [3f, 4f]], [0f, -0.5f]);

        Assert.Equal([[1f, 1.5f], [3f, 3.5f]], shifted);
    }

    [Fact]
    public void ToJson_NamesEachOffsetByLabel()
    {
        var json = new DecisionOffsets(Labels, [0f, 1.25f], "macro_f1", 0.8, 0.9, "why").ToJson();

        Assert.Equal(1.25, json["offsets"]!["spam"]!.GetValue<double>());
        Assert.Equal(0.9, json["validation_after"]!.GetValue<double>());
    }

    private static (float[][] Logits, int[] Actual) Shifted(float spamShift)
    {
        var xs = Enumerable.Range(0, 200).Select(i => (i - 100) / 25f).ToArray();
        var logits = xs.Select(x => new[] { 0f, x + spamShift }).ToArray();
        var actual = xs.Select(x => x > 0 ? 1 : 0).ToArray();
        return (logits, actual);
    }
}
