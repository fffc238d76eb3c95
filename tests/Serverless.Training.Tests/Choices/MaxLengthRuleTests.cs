using Serverless.Testing;
using Serverless.Training.Choices;
using Serverless.Training.Tests.FineTuning;

namespace Serverless.Training.Tests.Choices;

public sealed class MaxLengthRuleTests
{
    // 100 texts of lengths 1..100 tokens: the 95th is 95 long.
    private static readonly int[] s_lengths1To100 = Enumerable.Range(1, 100).Reverse().ToArray();

    [Fact]
    public void Decide_Null_IsTheSmallestLengthCovering95PercentOfTheTexts()
    {
        var decision = MaxLengthRule.Decide(null, s_lengths1To100, encoderLimit: 512, onCpu: false);

        Assert.Equal(95, decision.MaxLength);
        Assert.True(decision.Chosen);
        Assert.Equal("covers 95 % of the 100 training texts (encoder's limit 512)", decision.Reason);
    }

    [Fact]
    public void Decide_NullWithFewTexts_RoundsTheCoverageUp()
    {
        // 95 % of 10 texts is 9.5: the length must fit 10 of them.
        var decision = MaxLengthRule.Decide(null, [5, 5, 5, 5, 5, 5, 5, 5, 6, 40], encoderLimit: 512, onCpu: false);

        Assert.Equal(40, decision.MaxLength);
    }

    [Fact]
    public void Decide_NullOnCpuBelowTheCap_SaysTheCpuCapWithoutApplyingIt()
    {
        var decision = MaxLengthRule.Decide(null, s_lengths1To100, encoderLimit: 512, onCpu: true);

        Assert.Equal(95, decision.MaxLength);
        Assert.Equal("covers 95 % of the 100 training texts (encoder's limit 512, CPU cap 256)", decision.Reason);
    }

    [Fact]
    public void Decide_NullOnCpuWithLongTexts_IsCappedAt256AndSaysSo()
    {
        var lengths = Enumerable.Range(1, 100).Select(i => i * 5).ToArray();

        var decision = MaxLengthRule.Decide(null, lengths, encoderLimit: 512, onCpu: true);

        Assert.Equal(MaxLengthRule.CpuCap, decision.MaxLength);
        Assert.True(decision.Chosen);
        Assert.Equal("95 % of the 100 training texts need 475 tokens; capped at the CPU cap 256, which covers 51 %", decision.Reason);
    }

    [Fact]
    public void Decide_NullOffCpuWithLongTexts_UsesTheLongerLength()
    {
        var lengths = Enumerable.Range(1, 100).Select(i => i * 5).ToArray();

        Assert.Equal(475, MaxLengthRule.Decide(null, lengths, encoderLimit: 512, onCpu: false).MaxLength);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Decide_NullWithTextsLongerThanTheEncoder_IsCappedAtTheEncodersLimit(bool onCpu)
    {
        var decision = MaxLengthRule.Decide(null, s_lengths1To100, encoderLimit: 64, onCpu);

        Assert.Equal(64, decision.MaxLength);
        Assert.Equal("95 % of the 100 training texts need 95 tokens; capped at the encoder's limit 64, which covers 64 %", decision.Reason);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Decide_GivenInTheRequest_IsUsedAsIsEvenAboveTheCpuCap(bool onCpu)
    {
        var decision = MaxLengthRule.Decide(400, s_lengths1To100, encoderLimit: 512, onCpu);

        Assert.Equal(400, decision.MaxLength);
        Assert.False(decision.Chosen);
        Assert.Equal("given in the request", decision.Reason);
    }

    [Fact]
    public void Decide_GivenAboveTheEncodersLimit_IsCappedThereAsBeforeAndSaysSo()
    {
        var decision = MaxLengthRule.Decide(1024, [], encoderLimit: 512, onCpu: false);

        Assert.Equal(512, decision.MaxLength);
        Assert.False(decision.Chosen);
        Assert.Equal("given in the request as 1024; capped at the encoder's limit 512", decision.Reason);
    }

    [Fact]
    public void TokenLengths_CountClsAndSepAndTextsBeyondTheEncodersLimit()
    {
        var words = string.Join(' ', Enumerable.Repeat("hello", 600));

        var lengths = MaxLengthRule.TokenLengths(ToyTask.Tokenizer, ["hello world", words]);

        Assert.Equal([4, 602], lengths);
        Assert.Contains("hello", TinyModels.Vocabulary);
    }
}
