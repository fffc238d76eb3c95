using System.Globalization;

using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

using Serverless.Errors;
using Serverless.Training;
using Serverless.Training.Data;
using Serverless.Training.HeadOnly;
using Serverless.Training.QuickStart;

namespace Serverless.Trainer;

/// <summary>
/// <c>quickstart</c>: makes sure the registry (AzureWebJobsStorage or Registry__ConnectionString) has the quick-start
/// models, printing stages and percent.
/// </summary>
internal static class QuickStartCommand
{
    public static async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var builder = Host.CreateApplicationBuilder(args);
        // The console shows progress lines; library logs only when something is wrong.
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        // A storage failure ends the command with the registry's actionable message; its stack trace would only bury it.
        builder.Logging.AddFilter("Serverless.Registry", LogLevel.Critical);
        builder.Services.AddServerlessTraining(builder.Configuration);
        using var host = builder.Build();

        var progress = ConsoleProgress.ForConsole();
        try
        {
            var result = await host.Services.GetRequiredService<QuickStartBuilder>()
                .EnsureAsync(new QuickStartOptions(), progress, cancellationToken);
            progress.Finish();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Quick start ready in {progress.Elapsed.TotalSeconds:0} s: minilm version {result.BaseVersion}{(result.BaseCreated ? " (published now)" : "")}, " +
                $"spam version {result.ModelVersion}{(result.ModelCreated ? " (trained now)" : "")}."));
            if (result.Training is { } training)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"spam: test accuracy {training.Test.Accuracy:0.0000}, macro-F1 {training.Test.MacroF1:0.0000}, L2 {training.L2}; {training.Parity}"));
            }

            return 0;
        }
        catch (Exception ex) when (ex is DatasetException or ServiceException or InvalidOperationException)
        {
            progress.Finish();
            await Console.Error.WriteLineAsync($"Quick start failed: {ex.Message}");
            return 1;
        }
    }
}
