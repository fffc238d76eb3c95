using System.Text.Json;

using Serverless.Errors;
using Serverless.Training;

namespace Serverless.Contracts.Tests;

public sealed class TrainingJobTests
{
    private const string Minimal = """{"runId":"run-1","model":"spam","dataset":"datasets/train.jsonl"}""";

    [Fact]
    public void Parse_MaxLengthAndClassWeightsOmitted_LeavesThemNullForTheRunToChoose()
    {
        var job = TrainingJob.Parse(Minimal);

        Assert.Null(job.Hyperparameters.MaxLength);
        Assert.Null(job.Hyperparameters.ClassWeights);
    }

    [Fact]
    public void Parse_MaxLengthAndClassWeightsNull_AreTheSameJobAsOmitted()
    {
        var job = TrainingJob.Parse("""{"runId":"run-1","model":"spam","dataset":"datasets/train.jsonl","hyperparameters":{"maxLength":null,"classWeights":null}}""");

        Assert.Equal(JsonSerializer.Serialize(TrainingJob.Parse(Minimal), TrainingJob.JsonOptions), JsonSerializer.Serialize(job, TrainingJob.JsonOptions));
    }

    [Fact]
    public void Parse_MaxLengthAndClassWeightsGiven_KeepsThemAndWritesThemBack()
    {
        var job = TrainingJob.Parse("""{"runId":"run-1","model":"spam","dataset":"datasets/train.jsonl","hyperparameters":{"maxLength":192,"classWeights":false}}""");

        Assert.Equal(192, job.Hyperparameters.MaxLength);
        Assert.False(job.Hyperparameters.ClassWeights);
        var written = JsonSerializer.SerializeToNode(job, TrainingJob.JsonOptions)!["hyperparameters"]!;
        Assert.Equal(192, written["maxLength"]!.GetValue<int>());
        Assert.False(written["classWeights"]!.GetValue<bool>());
    }

    [Theory]
    [InlineData("""{"maxLength":4}""", "hyperparameters.maxLength must be 8-8192")]
    [InlineData("""{"maxLength":9000}""", "hyperparameters.maxLength must be 8-8192")]
    [InlineData("""{"classWeights":"yes"}""", "classWeights")]
    public void Parse_BadMaxLengthOrClassWeights_IsAnInvalidRequestNamingTheField(string hyperparameters, string expected)
    {
        var error = Assert.Throws<InvalidRequestException>(() =>
            TrainingJob.Parse($$"""{"runId":"run-1","model":"spam","dataset":"datasets/train.jsonl","hyperparameters":{{hyperparameters}}}"""));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }
}
