using Serverless.Training.Evaluation;

namespace Serverless.Training.Tests.Evaluation;

public sealed class ConfidenceCalibrationTests
{
    [Fact]
    public void Compute_HandComputedExample_GivesTheBinsAndTheCountWeightedGap()
    {
        // Bin [0.9, 1.0]: 0.95, 0.95, 1.0, 0.9 → mean 0.95, 3 of 4 right → gap 0.20.
        // Bin [0.6, 0.7): 0.65, 0.65 → mean 0.65, 2 of 2 right → gap 0.35.
        // Bin [0.5, 0.6): 0.55, 0.55, 0.55, 0.55 → mean 0.55, 1 of 4 right → gap 0.30.
        // ECE = 4/10 × 0.20 + 2/10 × 0.35 + 4/10 × 0.30 = 0.08 + 0.07 + 0.12 = 0.27.
        double[] confidences = [0.95, 0.95, 1.0, 0.9, 0.65, 0.65, 0.55, 0.55, 0.55, 0.55];
        bool[] correct = [true, true, true, false, true, true, true, false, false, false];

        var report = ConfidenceCalibration.Compute(confidences, correct);

        Assert.Equal(10, report.Count);
        Assert.Equal(0.27, report.ExpectedCalibrationError, 12);
        Assert.Equal(ConfidenceCalibration.BinCount, report.Bins.Count);
        Assert.Equal([0, 0, 0, 0, 0, 4, 2, 0, 0, 4], report.Bins.Select(b => b.Count));
        Assert.Equal(0.95, report.Bins[9].MeanConfidence, 12);
        Assert.Equal(0.75, report.Bins[9].Accuracy, 12);
        Assert.Equal(0.65, report.Bins[6].MeanConfidence, 12);
        Assert.Equal(1.0, report.Bins[6].Accuracy, 12);
        Assert.Equal(0.25, report.Bins[5].Accuracy, 12);
        Assert.Equal(0.5, report.Bins[5].Lower, 12);
        Assert.Equal(0.6, report.Bins[5].Upper, 12);
        Assert.Equal(0, report.Bins[0].Count);
    }

    [Fact]
    public void Compute_ConfidencesThatMatchAccuracy_HaveZeroError()
    {
        // Four texts at 0.75 with three right, two at 0.5 with one right: every bin's accuracy is its confidence.
        var report = ConfidenceCalibration.Compute([0.75, 0.75, 0.75, 0.75, 0.5, 0.5], [true, true, true, false, true, false]);

        Assert.Equal(0, report.ExpectedCalibrationError, 12);
        Assert.Equal(4, report.Bins[7].Count);
        Assert.Equal(2, report.Bins[5].Count);
    }

    [Fact]
    public void FromLogits_UsesTheTopSoftmaxProbabilityAndWhetherItsLabelIsTheActualOne()
    {
        // softmax([ln 3, 0]) = [0.75, 0.25]: confidence 0.75 for label 0. softmax([0, ln 19]) = [0.05, 0.95]: 0.95 for label 1.
        float[][] logits = [[MathF.Log(3), 0], [0, MathF.Log(19)]];

        var report = ConfidenceCalibration.FromLogits(logits, [0, 0]);

        Assert.Equal(1, report.Bins[7].Count);
        Assert.Equal(0.75, report.Bins[7].MeanConfidence, 6);
        Assert.Equal(1.0, report.Bins[7].Accuracy);
        Assert.Equal(1, report.Bins[9].Count);
        Assert.Equal(0.0, report.Bins[9].Accuracy);
        // (|1 - 0.75| + |0 - 0.95|) / 2
        Assert.Equal(0.6, report.ExpectedCalibrationError, 6);
    }

    [Fact]
    public void Compute_ConfidenceOutsideZeroToOne_IsAnError() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => ConfidenceCalibration.Compute([1.5], [true]));

    [Fact]
    public void ToJson_HasEceAndTenBins()
    {
        var json = ConfidenceCalibration.Compute([0.95, 0.55], [true, false]).ToJson();

        // 0.95 right is 0.05 off, 0.55 wrong is 0.55 off: (0.05 + 0.55) / 2.
        Assert.Equal(0.30, json["ece"]!.GetValue<double>(), 6);
        Assert.Equal(10, json["bins"]!.AsArray().Count);
        Assert.Equal(1, json["bins"]![9]!["count"]!.GetValue<int>());
        Assert.Equal(0.95, json["bins"]![9]!["confidence"]!.GetValue<double>(), 6);
        Assert.Equal(1.0, json["bins"]![9]!["accuracy"]!.GetValue<double>());
    }
}
