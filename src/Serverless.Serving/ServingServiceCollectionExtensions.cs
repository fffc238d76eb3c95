using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Inference;
using Serverless.Options;
using Serverless.Registry;

namespace Serverless.Serving;

/// <summary>Composition of the serving layer.</summary>
public static class ServingServiceCollectionExtensions
{
    /// <summary>
    /// Adds the registry (<see cref="RegistryServiceCollectionExtensions.AddServerlessRegistry"/>), the options "Serving" and
    /// "Serving:Batching", validated at start, the served models with their hosted alias watcher, and their metrics
    /// and their engines' (<see cref="ServingMetrics"/>, <see cref="InferenceMetrics"/>, on the host's meter factory). A second call does nothing.
    /// </summary>
    public static IServiceCollection AddServerlessServing(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        // As early as the app's composition: a thread that allocated before keeps its own malloc heap.
        NativeAllocator.Configure();
        services.AddServerlessRegistry(configuration);
        if (services.Any(descriptor => descriptor.ServiceType == typeof(ServedModels)))
        {
            return services;
        }

        services.AddOptions<ServingOptions>().BindConfiguration(ServingOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<BatchingOptions>().BindConfiguration(BatchingOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddMetrics();
        services.AddSingleton<ServingMetrics>();
        services.AddSingleton<InferenceMetrics>();
        services.AddSingleton<ServedModels>();
        services.AddHostedService<AliasWatcher>();
        return services;
    }
}
