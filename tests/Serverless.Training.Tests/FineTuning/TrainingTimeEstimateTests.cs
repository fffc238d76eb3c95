using Serverless.Training.FineTuning;

namespace Serverless.Training.Tests.FineTuning;

public sealed class TrainingTimeEstimateTests
{
    [Fact]
    public void SecondsLeft_FullPhase_IsThePaceTimesTheStepsLeftInThisAndTheLaterTrials()
    {
        var estimate = new TrainingTimeEstimate(trainTexts: 100, validationTexts: 10, epochs: 2, trials: 3, fullFollowsHead: false);
        var first = Full(step: 10, steps: 100, trial: 1, trials: 3);

        Assert.Null(estimate.SecondsLeft(first, 5));

        // 10 more steps in 10 s: 1 s a step; 80 steps left in this trial and 100 in each of the two after it.
        Assert.Equal(280, estimate.SecondsLeft(Full(step: 20, steps: 100, trial: 1, trials: 3), 15));
    }

    [Fact]
    public void SecondsLeft_ResumedTrial_TakesThePaceFromTheStepsTakenSinceTheResume()
    {
        var estimate = new TrainingTimeEstimate(100, 10, 2, 1, false);
        estimate.SecondsLeft(Full(step: 50, steps: 100, trial: 1, trials: 1), 1);

        Assert.Equal(100, estimate.SecondsLeft(Full(step: 60, steps: 100, trial: 1, trials: 1), 26));
    }

    [Fact]
    public void SecondsLeft_HeadPhaseBeforeFullFineTuning_AddsTheFullPhaseGuessedFromThePaceOfEmbedding()
    {
        var estimate = new TrainingTimeEstimate(trainTexts: 100, validationTexts: 20, epochs: 3, trials: 1, fullFollowsHead: true);

        // 50 texts embedded in 5 s: 0.1 s a text; 40 % done in 5 s leaves 7.5 s of the head phase.
        var left = estimate.SecondsLeft(Head("embedding", done: 50, percent: 40), 5);

        var full = 0.1 * ((TrainingTimeEstimate.FullStepToEmbeddingRatio * 100) + 20) * 3;
        Assert.Equal(Math.Round(7.5 + full), left);
    }

    [Fact]
    public void SecondsLeft_HeadModeAlone_IsTheHeadPhaseLeft()
    {
        var estimate = new TrainingTimeEstimate(100, 20, 3, 1, fullFollowsHead: false);

        Assert.Equal(15, estimate.SecondsLeft(Head("fitting", done: 3, percent: 50), 15));
    }

    private static FineTuningProgress Full(int step, int steps, int trial, int trials) =>
        new(1, 2, step, steps, 0.5) { Trial = trial, Trials = trials };

    private static FineTuningProgress Head(string stage, int done, double percent) =>
        new(0, 0, done, 100, 0) { Phase = FineTuningProgress.HeadPhase, Stage = stage, Percent = percent };
}
