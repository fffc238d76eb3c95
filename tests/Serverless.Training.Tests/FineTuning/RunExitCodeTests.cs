using Serverless.Training.FineTuning;

namespace Serverless.Training.Tests.FineTuning;

public sealed class RunExitCodeTests
{
    [Theory]
    [InlineData(TrainingRunOutcome.Succeeded, 0)]
    [InlineData(TrainingRunOutcome.Failed, 0)]
    [InlineData(TrainingRunOutcome.Running, 1)]
    public void Of_RunStatus_IsZeroOnlyForARunThatEnded(string outcome, int expected)
    {
        var status = new TrainingRunStatus { Id = "run-1", Status = outcome, Stage = outcome == TrainingRunOutcome.Running ? "training" : "done" };

        Assert.Equal(expected, RunExitCode.Of(status));
    }
}
