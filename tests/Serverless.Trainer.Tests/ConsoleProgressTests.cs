using Serverless.Cli;
using Serverless.Training;
using Serverless.Training.HeadOnly;

namespace Serverless.Trainer.Tests;

public sealed class ConsoleProgressTests
{
    [Fact]
    public void Report_RedirectedHeadOnlyStages_WritesALineAtEachStageAndEveryFivePercent()
    {
        using var output = new StringWriter();
        var progress = new ConsoleProgress(output, interactive: false);

        progress.Report(new TrainingProgress("embedding", 0, "0/100 texts"));
        progress.Report(new TrainingProgress("embedding", 3, "3/100 texts"));
        progress.Report(new TrainingProgress("embedding", 5, "5/100 texts"));
        progress.Report(new TrainingProgress("embedding", 9.9, "9/100 texts"));
        progress.Report(new TrainingProgress("fitting", 9.9, "L2 1e-3"));
        progress.Finish();

        var lines = Lines(output);
        Assert.Equal(3, lines.Length);
        Assert.EndsWith("0.0% embedding 0/100 texts", lines[0], StringComparison.Ordinal);
        Assert.EndsWith("5.0% embedding 5/100 texts", lines[1], StringComparison.Ordinal);
        Assert.EndsWith("9.9% fitting L2 1e-3", lines[2], StringComparison.Ordinal);
        Assert.All(lines, line => Assert.Matches(@"^\[\d\d:\d\d\] ", line));
    }

    [Fact]
    public void Report_RedirectedFineTuning_WritesEpochChangesAndNewValidationFigures()
    {
        using var output = new StringWriter();
        var progress = new ConsoleProgress(output, interactive: false);

        progress.Report(new FineTuningProgress(1, 2, 1, 100, 0.7));
        progress.Report(new FineTuningProgress(1, 2, 2, 100, 0.6));
        progress.Report(new FineTuningProgress(1, 2, 50, 100, 0.5));
        progress.Report(new FineTuningProgress(1, 2, 50, 100, 0.5, ValidationAccuracy: 0.8, ValidationMacroF1: 0.75));
        progress.Report(new FineTuningProgress(2, 2, 51, 100, 0.4, ValidationAccuracy: 0.8, ValidationMacroF1: 0.75));
        progress.Report(new FineTuningProgress(2, 2, 52, 100, 0.4, ValidationAccuracy: 0.8, ValidationMacroF1: 0.75));

        var lines = Lines(output);
        Assert.Equal(4, lines.Length);
        Assert.Contains("epoch 1/2 step 1/100", lines[0], StringComparison.Ordinal);
        Assert.Contains("epoch 1/2 step 50/100 loss 0.5000", lines[1], StringComparison.Ordinal);
        Assert.Contains("epoch 1/2 step 50/100 loss 0.5000 | val acc 0.800 F1 0.750", lines[2], StringComparison.Ordinal);
        Assert.Contains("epoch 2/2 step 51/100", lines[3], StringComparison.Ordinal);
    }

    [Fact]
    public void Report_Terminal_RedrawsOneBarInPlaceAndFinishEndsItsLine()
    {
        using var output = new StringWriter();
        var progress = new ConsoleProgress(output, interactive: true);

        progress.Report(new FineTuningProgress(0, 0, 10, 20, 0) { Phase = FineTuningProgress.HeadPhase, Stage = "embedding", Percent = 50 });
        progress.Report(new FineTuningProgress(0, 0, 20, 20, 0) { Phase = FineTuningProgress.HeadPhase, Stage = "embedding", Percent = 100 });
        progress.Finish();

        var text = output.ToString();
        Assert.Equal(2, text.Count(c => c == '\r'));
        Assert.Contains($"[{new string('#', 15)}{new string('.', 15)}]", text, StringComparison.Ordinal);
        Assert.Contains($"[{new string('#', 30)}]", text, StringComparison.Ordinal);
        Assert.EndsWith(Environment.NewLine, text, StringComparison.Ordinal);
        Assert.Single(Lines(output));
    }

    private static string[] Lines(StringWriter output) => output.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
}
