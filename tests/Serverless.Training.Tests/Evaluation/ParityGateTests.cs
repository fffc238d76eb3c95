using Serverless.Training.Evaluation;

namespace Serverless.Training.Tests.Evaluation;

public sealed class ParityGateTests
{
    [Fact]
    public void Compare_DifferencesWithinTheToleranceAndTheSameArgMax_Passes()
    {
        var report = ParityGate.Compare([[1f, 2f], [3f, -1f]], [[1.00005f, 2f], [3f, -1.00008f]]);

        Assert.True(report.Passed, report.ToString());
        Assert.Equal(2, report.Texts);
        Assert.Equal(0, report.ArgMaxMismatches);
        Assert.Equal(1.0, report.Agreement);
        Assert.Equal(ParityGate.Tolerance, report.Tolerance);
    }

    [Fact]
    public void Compare_DifferenceAboveTheToleranceWithTheSameArgMax_Fails()
    {
        // 5e-4 passed head-only's old rule (1e-3); both modes now share the stricter one.
        var report = ParityGate.Compare([[1f, 2f]], [[1.0005f, 2f]]);

        Assert.False(report.Passed);
        Assert.Equal(0, report.ArgMaxMismatches);
        Assert.InRange(report.MaxAbsoluteDifference, 4e-4, 6e-4);
    }

    [Fact]
    public void Compare_ADifferentArgMaxWithinTheTolerance_Fails()
    {
        var report = ParityGate.Compare([[1f, 1.00002f], [0f, 1f]], [[1.00004f, 1f], [0f, 1f]]);

        Assert.False(report.Passed);
        Assert.Equal(1, report.ArgMaxMismatches);
        Assert.Equal(0.5, report.Agreement);
        Assert.True(report.MaxAbsoluteDifference <= ParityGate.Tolerance);
    }

    [Fact]
    public void Compare_RowsOfDifferentLengths_Throws()
    {
        Assert.Throws<InvalidOperationException>(() => ParityGate.Compare([[1f, 2f]], [[1f, 2f, 3f]]));
    }
}
