using Serverless.Training.Evaluation;

namespace Serverless.Training.Tests.Evaluation;

public sealed class ClassificationMetricsTests
{
    // Confusion matrix (rows actual, columns predicted):
    //        a  b  c
    //   a    3  1  0
    //   b    0  2  2
    //   c    1  0  1
    private static readonly int[] s_actual = [0, 0, 0, 0, 1, 1, 1, 1, 2, 2];
    private static readonly int[] s_predicted = [0, 0, 0, 1, 1, 1, 2, 2, 0, 2];

    [Fact]
    public void Compute_HandComputedMatrix_GivesExpectedMetrics()
    {
        var report = ClassificationMetrics.Compute(["a", "b", "c"], s_actual, s_predicted);

        Assert.Equal([[3, 1, 0], [0, 2, 2], [1, 0, 1]], report.ConfusionMatrix.Counts.Select(r => r.ToArray()).ToArray());
        Assert.Equal(0.6, report.Accuracy, 12);
        // a: P 3/4 R 3/4 F1 0.75; b: P 2/3 R 1/2 F1 4/7; c: P 1/3 R 1/2 F1 0.4
        Assert.Equal(0.75, report.PerClass[0].Precision, 12);
        Assert.Equal(0.75, report.PerClass[0].Recall, 12);
        Assert.Equal(2.0 / 3, report.PerClass[1].Precision, 12);
        Assert.Equal(0.5, report.PerClass[1].Recall, 12);
        Assert.Equal(4.0 / 7, report.PerClass[1].F1, 12);
        Assert.Equal(0.4, report.PerClass[2].F1, 12);
        Assert.Equal([4, 4, 2], report.PerClass.Select(m => m.Support));
        Assert.Equal((0.75 + (4.0 / 7) + 0.4) / 3, report.MacroF1, 12);
    }

    [Fact]
    public void Compute_ClassNeverPredicted_HasZeroPrecisionAndF1()
    {
        var report = ClassificationMetrics.Compute(["x", "y"], ["x", "y", "y"], ["x", "x", "x"]);

        Assert.Equal(0, report.PerClass[1].Precision);
        Assert.Equal(0, report.PerClass[1].F1);
        Assert.Equal(1.0 / 3, report.Accuracy, 12);
    }

    [Fact]
    public void ToJson_HasSnakeCaseManifestShape()
    {
        var json = ClassificationMetrics.Compute(["a", "b", "c"], s_actual, s_predicted).ToJson();

        Assert.Equal(0.6, json["accuracy"]!.GetValue<double>(), 6);
        Assert.Equal(0.573810, json["macro_f1"]!.GetValue<double>(), 6);
        Assert.Equal(4, json["per_class"]!["b"]!["support"]!.GetValue<int>());
        Assert.Equal(0.5, json["per_class"]!["b"]!["recall"]!.GetValue<double>());
        Assert.NotNull(json["per_class"]!["b"]!["precision"]);
        Assert.NotNull(json["per_class"]!["b"]!["f1"]);
        Assert.Equal("[\"a\",\"b\",\"c\"]", json["confusion_matrix"]!["labels"]!.ToJsonString());
        Assert.Equal("[[3,1,0],[0,2,2],[1,0,1]]", json["confusion_matrix"]!["matrix"]!.ToJsonString());
    }

    [Fact]
    public void Compute_UnknownLabelName_IsAnError()
    {
        Assert.Throws<ArgumentException>(() => ClassificationMetrics.Compute(["a"], ["a"], ["z"]));
    }
}
