using Serverless.Cli;

namespace Serverless.Demo.Tests;

/// <summary>The demo's command line, parsed in this process; nothing here trains or touches storage.</summary>
public sealed class DemoCommandLineTests
{
    [Fact]
    public async Task Help_ExitsZeroAndListsQuickStartAndQuality()
    {
        var result = await InvokeAsync("--help");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("quickstart", result.Output, StringComparison.Ordinal);
        Assert.Contains("quality", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task QuickStartHelp_ListsTheCorpusOptionAndItsDefault()
    {
        var result = await InvokeAsync("quickstart", "--help");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("--corpus <folder>", result.Output, StringComparison.Ordinal);
        Assert.Contains("datasets-spam-assassin", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task QualityHelp_ListsEveryOption()
    {
        var result = await InvokeAsync("quality", "--help");

        Assert.Equal(0, result.ExitCode);
        Assert.All(
            ["--work <folder>", "--datasets", "--corpus <folder>", "--food-data <folder>", "--mode", "--epochs <N>", "--max-length <N>", "--learning-rate <X>", "--trials <N>"],
            option => Assert.Contains(option, result.Output, StringComparison.Ordinal));
    }

    [Fact]
    public async Task QuickStart_CorpusFolderMissing_ExitsTwoNamingTheFolder()
    {
        var missing = Path.Combine(Path.GetTempPath(), "no-such-corpus-" + Guid.NewGuid().ToString("N"));

        var result = await InvokeAsync("quickstart", "--corpus", missing);

        Assert.Equal(CommandLineApp.UsageError, result.ExitCode);
        Assert.Contains(missing, result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--datasets", "spam,books")]
    [InlineData("--epochs", "two")]
    [InlineData("--mode", "partial")]
    public async Task Quality_BadValue_ExitsTwoNamingTheOption(string option, string value)
    {
        var result = await InvokeAsync("quality", option, value);

        Assert.Equal(CommandLineApp.UsageError, result.ExitCode);
        Assert.Contains(option, result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownCommand_ExitsTwoNamingIt()
    {
        var result = await InvokeAsync("run", "--run-id", "reviews-1");

        Assert.Equal(CommandLineApp.UsageError, result.ExitCode);
        Assert.Contains("'run'", result.Error, StringComparison.Ordinal);
    }

    private static async Task<(int ExitCode, string Output, string Error)> InvokeAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exitCode = await CommandLineApp.InvokeAsync(DemoCommandLine.Create(), args, output, error, CancellationToken.None);
        return (exitCode, output.ToString(), error.ToString());
    }
}
