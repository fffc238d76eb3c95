using Serverless.Functions.Training;
using Serverless.Training;

namespace Serverless.Functions.Tests.Training;

public sealed class GateDecisionTests
{
    private static TrainingEvaluation Evaluation(double candidate, double? production) =>
        new("test", "cpu", 100, new EvaluationScores(candidate, candidate - 0.05),
            production is { } p ? new ProductionScores("3", p, p - 0.05) : null, production is null ? "no production version of model 'm'" : null);

    [Fact]
    public void Decide_BeatsProductionByMoreThanTheMargin_Passes()
    {
        var decision = GateDecision.Decide(new TrainingGate { Metric = TrainingGate.AccuracyMetric, Margin = 0.01 }, Evaluation(0.90, 0.88));

        Assert.True(decision.Passed);
        Assert.Equal("passed: accuracy 0.9000 > 0.8800 + margin 0.0100 (production version 3)", decision.Reason);
    }

    [Fact]
    public void Decide_BetterButWithinTheMargin_IsRejected()
    {
        var decision = GateDecision.Decide(new TrainingGate { Metric = TrainingGate.AccuracyMetric, Margin = 0.05 }, Evaluation(0.90, 0.88));

        Assert.False(decision.Passed);
        Assert.StartsWith("rejected: accuracy 0.9000 does not beat 0.8800 + margin 0.0500", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_EqualToProduction_IsRejected()
    {
        Assert.False(GateDecision.Decide(new TrainingGate(), Evaluation(0.90, 0.90)).Passed);
    }

    [Fact]
    public void Decide_ComparisonTurnedOff_PassesAWorseCandidateThatMeetsTheMinimum()
    {
        var decision = GateDecision.Decide(new TrainingGate { MustBeatProduction = false, Minimum = 0.5 }, Evaluation(0.70, 0.95));

        Assert.True(decision.Passed);
        Assert.Contains("production comparison turned off", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_BelowTheMinimum_IsRejectedBeforeAnyComparison()
    {
        var decision = GateDecision.Decide(new TrainingGate { Minimum = 0.9 }, Evaluation(0.80, null));

        Assert.False(decision.Passed);
        Assert.Equal("rejected: macro_f1 0.7500 is below the minimum 0.9000", decision.Reason);
    }

    [Fact]
    public void Decide_NoProduction_PassesSayingWhyTheComparisonWasSkipped()
    {
        var decision = GateDecision.Decide(new TrainingGate(), Evaluation(0.80, null));

        Assert.True(decision.Passed);
        Assert.Equal("passed: macro_f1 0.7500; production comparison skipped: no production version of model 'm'", decision.Reason);
    }

    [Theory]
    [InlineData("{\"gate\":{\"metric\":\"f1\"}}", "gate.metric")]
    [InlineData("{\"gate\":{\"minimum\":1.5}}", "gate.minimum")]
    [InlineData("{\"gate\":{\"margin\":-0.1}}", "gate.margin")]
    [InlineData("{\"gate\":{\"approvalTimeout\":\"00:00:00\"}}", "gate.approvalTimeout")]
    public void TrainingRequest_InvalidGate_IsRefusedNamingTheField(string gate, string field)
    {
        var body = gate.Replace("{\"gate\"", "{\"model\":\"m\",\"dataset\":\"d/x.jsonl\",\"gate\"", StringComparison.Ordinal);

        var error = Assert.Throws<Serverless.Errors.InvalidRequestException>(() => TrainingJob.Parse(body, "run-1"));

        Assert.Contains(field, error.Message, StringComparison.Ordinal);
    }
}
