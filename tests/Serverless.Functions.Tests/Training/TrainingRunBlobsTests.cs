using Serverless.Functions.Training;
using Serverless.Training;

namespace Serverless.Functions.Tests.Training;

public sealed class TrainingRunBlobsTests
{
    private static string Canonical(string hyperparameters) =>
        TrainingRunBlobs.Canonical(TrainingJob.Parse($$"""{"runId":"run-1","model":"spam","dataset":"datasets/train.jsonl","hyperparameters":{{hyperparameters}}}"""));

    [Fact]
    public void Canonical_NullAndOmittedMaxLengthAndClassWeights_AreTheSameRequest()
    {
        Assert.Equal(Canonical("{}"), Canonical("""{"maxLength":null,"classWeights":null}"""));
    }

    [Theory]
    [InlineData("""{"classWeights":false}""")]
    [InlineData("""{"classWeights":true}""")]
    [InlineData("""{"maxLength":128}""")]
    public void Canonical_AGivenValue_IsAnotherRequestThanLeavingItToChoose(string hyperparameters)
    {
        Assert.NotEqual(Canonical("{}"), Canonical(hyperparameters));
    }
}
