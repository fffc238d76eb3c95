using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OpenTelemetry;
using Serverless.Functions.Observability;
using Serverless.Functions.Queues;
using Serverless.Functions.Training;
using Serverless.Functions.Training.Runners;
using Serverless.Options;
using Serverless.Registry;
using Serverless.Serving;

namespace Serverless.Functions;

/// <summary>Composition of the function app, shared by the Functions worker and the local host.</summary>
public static class FunctionsServiceCollectionExtensions
{
    /// <summary>The app setting that names the results queue (as <c>ClassifyRequestsQueue</c> names the requests queue).</summary>
    public const string ResultsQueueSetting = "ClassifyResultsQueue";

    /// <summary>
    /// Adds serving over the registry (<see cref="ServingServiceCollectionExtensions.AddServerlessServing"/>, which also
    /// binds <see cref="ServingOptions"/>), the classification service, the queue processor and its storage, options
    /// validated at start, metrics, and OpenTelemetry (exported to Azure Monitor when
    /// <c>APPLICATIONINSIGHTS_CONNECTION_STRING</c> is set).
    /// </summary>
    public static IServiceCollection AddServerlessFunctions(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddServerlessServing(configuration);

        // Bound from the configuration given (not the one in the container), so every host gets the same values.
        services.AddOptions<RequestLimitsOptions>().Bind(configuration.GetSection(RequestLimitsOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<QueueOptions>()
            .Configure(options => options.Results = configuration[ResultsQueueSetting] is { Length: > 0 } results ? results : options.Results)
            .Bind(configuration.GetSection(QueueOptions.Section))
            .Configure(options =>
            {
                // The binder appends list items to the defaults; a configured allow-list replaces them.
                if (configuration.GetSection(QueueOptions.Section).GetSection(nameof(QueueOptions.ReplyToAllowList)).Get<string[]>() is { Length: > 0 } allowList)
                {
                    options.ReplyToAllowList = allowList;
                }
            })
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddOptions<QueueRetryOptions>()
            .Configure(options => options.MaxDequeueCount =
                HostJsonConfiguration.Read(AppContext.BaseDirectory, configuration).GetValue<int?>(QueueRetryOptions.HostJsonKey)
                ?? QueueRetryOptions.DefaultMaxDequeueCount)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        services.AddMetrics();
        services.AddSingleton<FunctionsMetrics>();
        services.AddSingleton<ClassificationService>();
        services.AddSingleton<ClassifyQueueStorage>();
        services.AddSingleton<ClassifyQueueProcessor>();
        services.AddHostedService<DefaultModelPreloader>();

        // Training runs: the API's service, the orchestration's activities and the trainer runner they start.
        services.AddOptions<TrainingOptions>().Bind(configuration.GetSection(TrainingOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(sp => new TrainingRunBlobs(sp.GetRequiredService<ServerlessStorage>().Models));
        services.AddSingleton<TrainingRuns>();
        services.AddTrainingRunner(configuration);

        var telemetry = services.AddOpenTelemetry()
            .UseFunctionsWorkerDefaults()
            .WithMetrics(metrics => metrics.AddMeter("Serverless.*"));
        if (!string.IsNullOrWhiteSpace(configuration["APPLICATIONINSIGHTS_CONNECTION_STRING"]))
        {
            telemetry.UseAzureMonitorExporter();
        }

        return services;
    }
}
