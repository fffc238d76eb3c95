using Serverless.Training.Choices;

namespace Serverless.Training.Tests.Choices;

public sealed class LearningRateSearchTests
{
    [Fact]
    public void Decide_RateGiven_TriesThatRateAloneAsGivenWhateverTheTrials()
    {
        var decision = LearningRateSearch.Decide(3e-4, trials: 4, onCpu: false);

        Assert.Equal([3e-4], decision.Rates);
        Assert.False(decision.Chosen);
        Assert.Contains("trials 4 ignored", decision.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true, 1)]
    [InlineData(false, 4)]
    public void Decide_NothingGiven_TriesOneRateOnACpuAndFourOnCuda(bool onCpu, int expected)
    {
        var decision = LearningRateSearch.Decide(null, null, onCpu);

        Assert.Equal(LearningRateSearch.Candidates.Take(expected), decision.Rates);
        Assert.Equal(TrainingHyperparameters.DefaultLearningRate, decision.Rates[0]);
        Assert.True(decision.Chosen);
        Assert.Contains(onCpu ? "by default on a CPU" : "by default on CUDA", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_TrialsGiven_TriesThatManyDistinctRatesEvenOnACpu()
    {
        var decision = LearningRateSearch.Decide(null, 3, onCpu: true);

        Assert.Equal(3, decision.Rates.Distinct().Count());
        Assert.Contains("best of 3 trials on the validation split (3 as the request asks)", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void ToChoice_AfterTheTrials_RecordsTheKeptRateAndWhatTheTrialsMeasured()
    {
        var choice = LearningRateSearch.Decide(null, 2, onCpu: true).ToChoice(8e-5, "validation macro_f1 by rate: 5e-05 → 0.9000, 8e-05 → 0.9500");

        Assert.Equal(8e-5, choice.Value!.GetValue<double>());
        Assert.True(choice.Chosen);
        Assert.EndsWith("; validation macro_f1 by rate: 5e-05 → 0.9000, 8e-05 → 0.9500", choice.Reason, StringComparison.Ordinal);
    }
}
