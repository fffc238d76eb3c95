using System.CommandLine;
using System.Globalization;

using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

using Serverless.Cli;
using Serverless.Demo.Email;
using Serverless.Demo.QuickStart;
using Serverless.Errors;
using Serverless.Registry;
using Serverless.Training;
using Serverless.Training.Data;

namespace Serverless.Demo;

/// <summary>
/// <c>quickstart</c>: makes sure the registry (AzureWebJobsStorage or Registry__ConnectionString) has the quick-start
/// models, printing stages and percent. <c>--corpus &lt;folder&gt;</c> names the SpamAssassin data folder; it is read only
/// when the spam model has to be trained. Exit code 0 when both models exist, 1 when they could not be made.
/// </summary>
internal static class QuickStartCommand
{
    /// <summary>The <c>quickstart</c> command.</summary>
    public static Command Create()
    {
        var corpus = CorpusOption.Create();
        var command = new Command("quickstart", "Publish the quick-start models (minilm, spam) to the registry of AzureWebJobsStorage unless they exist.")
        {
            corpus,
        };
        command.SetAction((parsed, cancellationToken) => RunAsync(
            parsed.GetValue(corpus)?.FullName, parsed.InvocationConfiguration.Output, parsed.InvocationConfiguration.Error, cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(string? corpus, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var builder = Host.CreateApplicationBuilder();
        // The console shows progress lines; library logs only when something is wrong.
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        // A storage failure ends the command with the registry's actionable message; its stack trace would only bury it.
        builder.Logging.AddFilter("Serverless.Registry", LogLevel.Critical);
        builder.Services.AddServerlessTraining(builder.Configuration);
        using var host = builder.Build();

        var progress = ConsoleProgress.For(output);
        try
        {
            // The corpus is found (or its absence reported) only when the spam model has to be trained.
            var quickStart = new QuickStartBuilder(
                host.Services.GetRequiredService<BlobModelRegistry>(),
                host.Services.GetRequiredService<ILoggerFactory>(),
                loadDataset: p => SpamAssassinCorpus.Load(corpus, p));
            var result = await quickStart.EnsureAsync(new QuickStartOptions(), progress, cancellationToken);
            progress.Finish();
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"Quick start ready in {progress.Elapsed.TotalSeconds:0} s: minilm version {result.BaseVersion}{(result.BaseCreated ? " (published now)" : "")}, " +
                $"spam version {result.ModelVersion}{(result.ModelCreated ? " (trained now)" : "")}."));
            if (result.Training is { } training)
            {
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"spam: test accuracy {training.Test.Accuracy:0.0000}, macro-F1 {training.Test.MacroF1:0.0000}, L2 {training.L2}; {training.Parity}"));
            }

            return 0;
        }
        catch (Exception ex) when (ex is DatasetException or ServiceException or InvalidOperationException)
        {
            progress.Finish();
            await error.WriteLineAsync($"Quick start failed: {ex.Message}");
            return 1;
        }
    }
}
