using Serverless.Training.HeadOnly;

namespace Serverless.Training.Tests.HeadOnly;

public sealed class LogisticRegressionTests
{
    // Three classes around far-apart centres in 5 dimensions, on very different scales (standardization must cope).
    private static (float[][] X, int[] Y) Blobs(int perClass, int seed)
    {
        var random = new Random(seed);
        var centres = new[] { new[] { 0f, 0, 0, 0, 0 }, new[] { 3f, 0, 300, 0, 0 }, new[] { 0f, 3, 0, -300, 0 } };
        var x = new List<float[]>();
        var y = new List<int>();
        for (var c = 0; c < centres.Length; c++)
        {
            for (var i = 0; i < perClass; i++)
            {
                x.Add(centres[c].Select((v, j) => v + (float)((random.NextDouble() - 0.5) * (j is 2 or 3 ? 100 : 1))).ToArray());
                y.Add(c);
            }
        }

        return (x.ToArray(), y.ToArray());
    }

    [Fact]
    public void Fit_SeparableToySet_Reaches100Percent()
    {
        var (x, y) = Blobs(40, seed: 1);
        var (testX, testY) = Blobs(20, seed: 2);

        var model = LogisticRegression.Fit(x, y, 3, new LogisticRegressionOptions(L2: 1e-4, Epochs: 200));

        Assert.Equal(y, model.Predict(x));
        Assert.Equal(testY, model.Predict(testX));
        Assert.Equal(15, model.Weight.Length);
        Assert.Equal(3, model.Bias.Length);
    }

    [Fact]
    public void Fit_SameInput_GivesIdenticalWeights()
    {
        var (x, y) = Blobs(10, seed: 3);
        var options = new LogisticRegressionOptions(Epochs: 50);

        var first = LogisticRegression.Fit(x, y, 3, options);
        var second = LogisticRegression.Fit(x, y, 3, options);

        Assert.Equal(first.Weight, second.Weight);
        Assert.Equal(first.Bias, second.Bias);
    }

    [Fact]
    public void Fit_LossDecreases()
    {
        var (x, y) = Blobs(10, seed: 4);
        var losses = new List<double>();

        LogisticRegression.Fit(x, y, 3, new LogisticRegressionOptions(Epochs: 100), (_, loss, _) => losses.Add(loss));

        Assert.Equal(100, losses.Count);
        Assert.True(losses[^1] < losses[0] / 10, $"loss went from {losses[0]} to {losses[^1]}");
    }

    [Fact]
    public void Fit_BalancedClassWeightsOnImbalancedOverlappingClasses_RecallsMoreOfTheSmallClass()
    {
        // 180 examples of class 0 around 0 and 20 of class 1 around 1, overlapping: unweighted, class 1 is mostly missed.
        var random = new Random(11);
        var x = Enumerable.Range(0, 200).Select(i => new[] { (float)((i < 180 ? 0 : 1) + (random.NextDouble() - 0.5) * 3) }).ToArray();
        var y = Enumerable.Range(0, 200).Select(i => i < 180 ? 0 : 1).ToArray();
        int SmallClassRecalled(LogisticRegressionModel model) => model.Predict(x).Where((p, i) => y[i] == 1 && p == 1).Count();

        var unweighted = LogisticRegression.Fit(x, y, 2, new LogisticRegressionOptions(Epochs: 200));
        var weighted = LogisticRegression.Fit(x, y, 2, new LogisticRegressionOptions(Epochs: 200, ClassWeights: Serverless.Training.Choices.ClassWeightingRule.BalancedWeights(y, 2)));

        Assert.True(SmallClassRecalled(weighted) >= SmallClassRecalled(unweighted) + 5,
            $"weighted recalls {SmallClassRecalled(weighted)} of 20, unweighted {SmallClassRecalled(unweighted)}");
    }

    [Fact]
    public void HeadFitter_PicksTheBestPenaltyOnValidationAndRecordsCurves()
    {
        var (x, y) = Blobs(20, seed: 5);
        var (vx, vy) = Blobs(10, seed: 6);

        var fit = HeadFitter.Fit(["a", "b", "c"], (x, y), (vx, vy), [1e-3, 100], new LogisticRegressionOptions(Epochs: 60));

        Assert.Equal(1e-3, fit.L2);
        Assert.Equal(1.0, fit.Validation.Accuracy);
        Assert.True(fit.ValidationMacroF1ByL2[1e-3] >= fit.ValidationMacroF1ByL2[100]);
        Assert.Equal(60, fit.Loss.Count);
        Assert.Equal(60, fit.ValidationCurve.Count);
        Assert.Equal(1.0, fit.ValidationCurve[^1].MacroF1);
    }
}
