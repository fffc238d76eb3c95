using System.CommandLine;
using System.Globalization;

using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

using Serverless.Cli;
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
/// for a bad command line (<see cref="CommandLineApp.UsageError"/>: also a job file that does not exist) or missing
/// storage settings; a crash (storage unreachable during the run or even for the failure report, the container stopped)
/// exits non-zero so the job retries it (<see cref="RunExitCode"/>).
/// </summary>
internal static class RunCommand
{
    /// <summary>Devices <c>--device</c> accepts (<see cref="FineTuningRunOptions.Device"/>).</summary>
    private static readonly string[] s_devices = ["auto", "cpu", "cuda"];

    /// <summary>The <c>run</c> command.</summary>
    /// <param name="configure">Adds configuration sources after the environment's (tests give storage settings this way).</param>
    public static Command Create(Action<IConfigurationBuilder>? configure = null)
    {
        var runId = new Option<string>("--run-id")
        {
            Description = "Run the job at training/{id}/job.json in the models storage (AzureWebJobsStorage settings) and write its status, checkpoints and candidate there.",
            HelpName = "id",
        };
        var job = new Option<FileInfo>("--job")
        {
            Description = "Run the job in this local file instead; its dataset and base paths are taken from the file's folder.",
            HelpName = "job.json",
        }.AcceptExistingOnly();
        var work = new Option<DirectoryInfo>("--work")
        {
            Description = "Local folder for checkpoints, status and the candidate [default: {temp}/serverless-trainer/{id or local}].",
            HelpName = "folder",
        };
        var device = new Option<string>("--device")
        {
            Description = "Training device: auto takes CUDA when TorchSharp finds it, else the CPU.",
            DefaultValueFactory = _ => "auto",
        }.AcceptOnlyFromAmong(s_devices);
        var threads = new Option<int>("--threads")
        {
            Description = "CPU threads for TorchSharp; 0 picks one per core above two cores and a single thread on two or fewer.",
            HelpName = "N",
            CustomParser = result =>
            {
                if (result.Tokens.Count == 0)
                {
                    return 0;
                }

                var token = result.Tokens[0].Value;
                if (int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out var count))
                {
                    return count;
                }

                result.AddError($"Option '--threads' takes a whole number, 0 or more, not '{token}'.");
                return 0;
            },
        };
        var defaultBase = new Option<string>("--default-base")
        {
            Description = "Base model for a job that names none [default: the Training:DefaultBase setting, else minilm].",
            HelpName = "name",
        };

        var command = new Command("run", "Run a training job: --run-id <id> (job from blob storage) or --job <job.json> --work <folder>.")
        {
            runId, job, work, device, threads, defaultBase,
        };
        command.Validators.Add(result =>
        {
            var fromStorage = result.GetResult(runId) is not null;
            var fromFile = result.GetResult(job) is not null;
            if (fromStorage == fromFile)
            {
                result.AddError(fromStorage
                    ? "Options '--run-id' and '--job' exclude each other: give one."
                    : "Option '--run-id' or '--job' is required: --run-id <id> runs a job from blob storage, --job <job.json> --work <folder> a local one.");
            }
        });
        command.SetAction((parsed, cancellationToken) => RunAsync(
            new RunArguments(
                parsed.GetValue(runId),
                parsed.GetValue(job)?.FullName,
                parsed.GetValue(work)?.FullName,
                parsed.GetRequiredValue(device),
                parsed.GetValue(threads),
                parsed.GetValue(defaultBase)),
            parsed.InvocationConfiguration.Output,
            parsed.InvocationConfiguration.Error,
            configure,
            cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(
        RunArguments arguments, TextWriter output, TextWriter error, Action<IConfigurationBuilder>? configure, CancellationToken cancellationToken)
    {
        var builder = Host.CreateApplicationBuilder();
        configure?.Invoke(builder.Configuration);
        builder.Logging.SetMinimumLevel(LogLevel.Information);
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        builder.Logging.AddFilter("Serverless.Inference", LogLevel.Warning);
        builder.Services.AddServerlessStorage(builder.Configuration);
        using var host = builder.Build();
        var configuration = builder.Configuration;
        var loggerFactory = host.Services.GetRequiredService<ILoggerFactory>();

        var work = arguments.Work ?? Path.Combine(Path.GetTempPath(), "serverless-trainer", arguments.RunId ?? "local");
        ITrainingRunStore store;
        if (arguments.RunId is { } runId)
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
                await error.WriteLineAsync(ex.Message);
                return CommandLineApp.UsageError;
            }
        }
        else
        {
            store = new LocalTrainingRunStore(arguments.Job!, work);
        }

        var options = new FineTuningRunOptions
        {
            WorkDirectory = work,
            Device = arguments.Device,
            Threads = arguments.Threads,
            DefaultBase = arguments.DefaultBase ?? configuration["Training:DefaultBase"] ?? "minilm",
        };
        var progress = ConsoleProgress.For(output);
        var status = await new FineTuningRun(store, options, loggerFactory).RunAsync(progress, cancellationToken);
        progress.Finish();
        if (status.Status == TrainingRunOutcome.Succeeded)
        {
            await output.WriteLineAsync($"Run {status.Id} succeeded: candidate at {status.Candidate}; test accuracy {status.Metrics?["accuracy"]}, macro-F1 {status.Metrics?["macro_f1"]}; parity {status.Metrics?["parity"]?.ToJsonString()}.");
            return RunExitCode.Of(status);
        }

        await error.WriteLineAsync($"Run {status.Id} failed: {status.Error}");
        return RunExitCode.Of(status);
    }

    /// <summary>What the command line gave; exactly one of <paramref name="RunId"/> and <paramref name="Job"/> is set.</summary>
    private sealed record RunArguments(string? RunId, string? Job, string? Work, string Device, int Threads, string? DefaultBase);
}
