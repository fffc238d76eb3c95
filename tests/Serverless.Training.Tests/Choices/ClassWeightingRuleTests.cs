using Serverless.Training.Choices;

namespace Serverless.Training.Tests.Choices;

public sealed class ClassWeightingRuleTests
{
    private static int[] Labels(params int[] countPerClass) =>
        countPerClass.SelectMany((count, label) => Enumerable.Repeat(label, count)).ToArray();

    [Fact]
    public void Decide_NullAndLargestClassJustUnder3xTheSmallest_IsUnweighted()
    {
        var decision = ClassWeightingRule.Decide(null, Labels(29, 10), 2);

        Assert.False(decision.Weighted);
        Assert.True(decision.Chosen);
        Assert.StartsWith("largest class 2.9× the smallest", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_NullAndLargestClass3xTheSmallest_IsWeighted()
    {
        var decision = ClassWeightingRule.Decide(null, Labels(30, 10), 2);

        Assert.True(decision.Weighted);
        Assert.True(decision.Chosen);
        Assert.Equal("largest class 3.0× the smallest (30 and 10 training examples; weighted from 3×)", decision.Reason);
    }

    [Fact]
    public void Decide_NullWithThreeClasses_ComparesTheLargestWithTheSmallest()
    {
        Assert.True(ClassWeightingRule.Decide(null, Labels(20, 72, 10), 3).Weighted);
        Assert.False(ClassWeightingRule.Decide(null, Labels(20, 25, 10), 3).Weighted);
    }

    [Theory]
    [InlineData(true, 10, 10)]
    [InlineData(false, 100, 10)]
    public void Decide_GivenInTheRequest_IsUsedAsIsWhateverTheData(bool requested, int first, int second)
    {
        var decision = ClassWeightingRule.Decide(requested, Labels(first, second), 2);

        Assert.Equal(requested, decision.Weighted);
        Assert.False(decision.Chosen);
        Assert.Equal("given in the request", decision.Reason);
    }

    [Fact]
    public void BalancedWeights_WeighClassesEqually()
    {
        var weights = ClassWeightingRule.BalancedWeights([0, 0, 0, 1], 2);

        Assert.Equal([4.0 / 6, 2.0], weights);
    }

    [Fact]
    public void ToChoice_RecordsTheValueAsJsonWithWhy()
    {
        var choice = ClassWeightingRule.Decide(null, Labels(72, 10), 2).ToChoice();

        Assert.True(choice.Value!.GetValue<bool>());
        Assert.True(choice.Chosen);
        Assert.Contains("7.2×", choice.Reason, StringComparison.Ordinal);
    }
}
