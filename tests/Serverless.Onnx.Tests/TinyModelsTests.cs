using Serverless.Packages;
using Serverless.Testing;

namespace Serverless.Onnx.Tests;

public sealed class TinyModelsTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("tiny-models-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static long[] Ids(string text) =>
        [2, .. text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(w => (long)TinyModels.IdOf(w)), 3];

    [Theory]
    [InlineData("click here for free money now", "spam")]
    [InlineData("you are a winner !", "spam")]
    [InlineData("see you at lunch tomorrow", "ham")]
    [InlineData("please see the project report", "ham")]
    [InlineData("unknownword another unknownword", "ham")]
    public void KeywordClassifier_LabelsTextsByKeywords(string text, string expected)
    {
        var package = ModelPackage.Open(TinyModels.WriteKeywordClassifierPackage(Path.Combine(_directory, "keywords")));
        Assert.Equal(TinyModels.KeywordLabels, package.Config.LabelsInOrder());
        using var runner = new OrtRunner(package.ModelPath);

        // A long padded neighbour in the batch must not change the answer.
        var (logits, shape) = runner.Run([Ids(text), Ids("the team meeting is on the project report and the lunch is good")], "logits");

        Assert.Equal([2L, 2L], shape);
        var label = logits[1] > logits[0] ? "spam" : "ham";
        Assert.Equal(expected, label);
        Assert.True(Math.Abs(logits[1] - logits[0]) > 1.5f, $"margin {logits[1] - logits[0]}");
        Assert.True(logits[2] > logits[3], "the all-ham neighbour is ham");
    }

    [Theory]
    [InlineData(ModelConfig.SingleLabel, 2)]
    [InlineData(ModelConfig.MultiLabel, 3)]
    public void ClassifierPackage_OpensAndRunsWithLogitsPerLabel(string problemType, int labelCount)
    {
        var labels = Enumerable.Range(0, labelCount).Select(i => $"label{i}").ToArray();
        var package = ModelPackage.Open(TinyModels.WriteClassifierPackage(Path.Combine(_directory, "classifier"), labels, problemType, maxLength: 24));

        Assert.False(package.Config.IsBaseEncoder);
        Assert.Equal(problemType == ModelConfig.MultiLabel, package.Config.IsMultiLabel);
        Assert.Equal(24, package.MaxLength);
        using var runner = new OrtRunner(package.ModelPath);
        var (logits, shape) = runner.Run([Ids("hello world"), Ids("good movie")], "logits");
        Assert.Equal([2L, labelCount], shape);
        Assert.All(logits, v => Assert.True(float.IsFinite(v)));
        Assert.NotEqual(logits[0], logits[labelCount]);
    }

    [Fact]
    public void BaseEncoderPackage_IsBaseEncoderWithLastHiddenState()
    {
        var package = ModelPackage.Open(TinyModels.WriteBaseEncoderPackage(Path.Combine(_directory, "encoder")));

        Assert.True(package.Config.IsBaseEncoder);
        using var runner = new OrtRunner(package.ModelPath);
        Assert.Equal(["last_hidden_state"], runner.OutputNames);
        var (_, shape) = runner.Run([Ids("hello world")], "last_hidden_state");
        Assert.Equal([1L, 4L, 16L], shape);
    }
}
