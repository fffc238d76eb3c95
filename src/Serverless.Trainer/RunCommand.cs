using System.Globalization;

using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

using Serverless.Options;
using Serverless.Registry;
using Serverless.Training;
using Serverless.Training.FineTuning;

namespace Serverless.Trainer;

/// <summary>
/// <c>run</c>: the GPU container's command. <c>--run-id &lt;id&gt;</c> reads training/{id}/job.json from the models storage
/// and writes status, checkpoints and the candidate there, and the training-events message to the AzureWebJobsStorage
/// queues (settings: <see cref="StorageServiceCollectionExtensions.AddServerlessStorage"/>); <c>--job &lt;job.json&gt;
/// --work &lt;folder&gt;</c> runs against local files. Options: <c>--device auto|cpu|cuda</c>, <c>--threads N</c>,
/// <c>--default-base name</c>. Exit code 0 when the run ended, succeeded or failed for good (status.json and the Failed
/// event say why; a retry would fail the same way), also when status.json already said so and nothing was run again; 2
/// for a bad command line or missing storage settings; a crash (storage unreachable during the run or even for the
/// failure report, the container stopped) exits non-zero so the job retries it (<see cref="RunExitCode"/>).
/// </summary>
internal static class RunCommand
{
    private const string Usage = "Usage: Serverless.Trainer run --run-id <id> [--work <folder>] | --job <job.json> --work <folder>  [--device auto|cpu|cuda] [--threads N] [--default-base <name>]";

    public static async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var arguments = Parse(args);
        if (arguments is null)
        {
            await Console.Error.WriteLineAsync(Usage);
            return 2;
        }

        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Information);
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        builder.Logging.AddFilter("Serverless.Inference", LogLevel.Warning);
        builder.Services.AddServerlessStorage(builder.Configuration);
        using var host = builder.Build();
        var configuration = builder.Configuration;
        var loggerFactory = host.Services.GetService(typeof(ILoggerFactory)) as ILoggerFactory ?? throw new InvalidOperationException("No logging.");

        arguments.TryGetValue("run-id", out var runId);
        var work = arguments.GetValueOrDefault("work")
            ?? Path.Combine(Path.GetTempPath(), "serverless-trainer", runId ?? "local");
        ITrainingRunStore store;
        if (runId is not null)
        {
            var storage = host.Services.GetRequiredService<ServerlessStorage>();
            try
            {
                // The registry container is the function app's (Registry:Container), so the base and production resolve there.
                var registry = new RegistryOptions();
                configuration.GetSection(RegistryOptions.Section).Bind(registry);
                store = new BlobTrainingRunStore(storage.Models, storage.HostQueues, runId, Path.Combine(work, "models"), modelsContainer: registry.Container);
            }
            catch (InvalidOperationException ex)
            {
                // Missing storage settings: the message says what to set.
                await Console.Error.WriteLineAsync(ex.Message);
                return 2;
            }
        }
        else if (arguments.TryGetValue("job", out var job))
        {
            store = new LocalTrainingRunStore(job, work);
        }
        else
        {
            await Console.Error.WriteLineAsync(Usage);
            return 2;
        }

        var options = new FineTuningRunOptions
        {
            WorkDirectory = work,
            Device = arguments.GetValueOrDefault("device") ?? "auto",
            Threads = int.TryParse(arguments.GetValueOrDefault("threads"), CultureInfo.InvariantCulture, out var threads) ? threads : 0,
            DefaultBase = arguments.GetValueOrDefault("default-base") ?? configuration["Training:DefaultBase"] ?? "minilm",
        };
        var progress = ConsoleProgress.ForConsole();
        var status = await new FineTuningRun(store, options, loggerFactory).RunAsync(progress, cancellationToken);
        progress.Finish();
        if (status.Status == TrainingRunOutcome.Succeeded)
        {
            Console.WriteLine($"Run {status.Id} succeeded: candidate at {status.Candidate}; test accuracy {status.Metrics?["accuracy"]}, macro-F1 {status.Metrics?["macro_f1"]}; parity {status.Metrics?["parity"]?.ToJsonString()}.");
            return RunExitCode.Of(status);
        }

        await Console.Error.WriteLineAsync($"Run {status.Id} failed: {status.Error}");
        return RunExitCode.Of(status);
    }

    private static Dictionary<string, string>? Parse(string[] args)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < args.Length; i += 2)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
            {
                return null;
            }

            result[args[i][2..]] = args[i + 1];
        }

        return result;
    }
}
