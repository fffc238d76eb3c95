namespace Serverless.Inference.Tests;

public sealed class BatchCostModelTests
{
    [Fact]
    public void Fit_RunsCostingAFixedTimePlusAPerTokenTime_RecoversBothTerms()
    {
        // 3 ms per run + 20 µs per token position, timed at 8 and 256 positions.
        var cost = BatchCostModel.Fit(8, 0.003 + (20e-6 * 8), 256, 0.003 + (20e-6 * 256));

        Assert.Equal(0.003, cost.PerRunSeconds, 9);
        Assert.Equal(20e-6, cost.PerTokenSeconds, 12);
        Assert.Equal(0.003 + (20e-6 * 3 * 50), cost.Cost(3, 50), 9);
    }

    [Theory]
    [InlineData(0.001, 0.001)]
    [InlineData(0.002, 0.001)]
    [InlineData(0.0001, 0.05)]
    public void Fit_TimingsThatCannotBeSeparated_StillGivesPositiveTermsThatPreferFullBatches(double smallSeconds, double largeSeconds)
    {
        var cost = BatchCostModel.Fit(8, smallSeconds, 256, largeSeconds);

        Assert.True(cost.PerRunSeconds > 0, cost.ToString());
        Assert.True(cost.PerTokenSeconds > 0, cost.ToString());
        Assert.True(cost.Cost(2, 10) < 2 * cost.Cost(1, 10), "Two texts of one length must be cheaper together than apart.");
    }

    [Fact]
    public void Calibrate_ShortModel_TimesASmallAndALargerShapeNoLongerThanItsMaxLength()
    {
        var shapes = new List<(int Rows, int Length)>();

        BatchCostModel.Calibrate(lengths => shapes.Add((lengths.Length, lengths.Max())), maxLength: 16);

        Assert.All(shapes, s => Assert.InRange(s.Length, 1, 16));
        Assert.Equal(2, shapes.Distinct().Count());
    }

    [Fact]
    public void FromMeasurements_UnpaddedGraphWhoseMixedBatchCostsItsRealTokens_HasNoPaddedShare()
    {
        // A run costs 1 ms plus 10 µs per real token: what an ideal unpadded graph costs.
        var cost = BatchCostModel.FromMeasurements(lengths => 0.001 + (10e-6 * lengths.Sum()), maxLength: 64, unpadded: true);

        Assert.Equal(0, cost.PaddedShare, 6);
        Assert.True(cost.Cost(4, 64, realTokens: 88) < cost.Cost(4, 64), "Short texts beside a long one must cost less than padding them.");
    }

    [Fact]
    public void FromMeasurements_UnpaddedGraphThatStillCostsItsPadding_HasAFullPaddedShare()
    {
        // The mixed batch costs every position of its padded shape: the graph gains nothing from skipping padding.
        var cost = BatchCostModel.FromMeasurements(lengths => 0.001 + (10e-6 * lengths.Length * lengths.Max()), maxLength: 64, unpadded: true);

        Assert.Equal(1, cost.PaddedShare, 6);
        Assert.Equal(cost.Cost(4, 64), cost.Cost(4, 64, realTokens: 88), 12);
    }

    [Fact]
    public void FromMeasurements_GraphWhoseRunsCostAttentionPairs_MeasuresTheCostOfAPair()
    {
        // 1 ms per run, 10 µs per position and 10 ns per pair of positions in a row: one row of 256 costs far more than
        // four of 64, though both have 256 positions.
        var cost = BatchCostModel.FromMeasurements(lengths => 0.001 + (10e-6 * lengths.Sum()) + (10e-9 * lengths.Sum(l => (double)l * l)), maxLength: 256);

        Assert.InRange(cost.PerAttentionSeconds, 9e-9, 11e-9);
        Assert.True(cost.Cost(1, 256) > cost.Cost(4, 64), "A long row must cost more than short rows of as many positions.");
    }

    [Fact]
    public void Cost_PaddedModel_CountsEveryPositionWhateverTheRealTokens()
    {
        var cost = new BatchCostModel(0.001, 1e-6);

        Assert.Equal(cost.Cost(4, 64), cost.Cost(4, 64, realTokens: 88), 12);
    }
}
