using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Serverless.Options;

namespace Serverless.Registry;

/// <summary>Composition of the registry layer.</summary>
public static class RegistryServiceCollectionExtensions
{
    /// <summary>
    /// Adds the storage clients (<see cref="StorageServiceCollectionExtensions.AddServerlessStorage"/>), the model registry
    /// on the models storage (<see cref="ServerlessStorage.Models"/>), the served models with their hosted alias watcher and
    /// their metrics (<see cref="RegistryMetrics"/>, on the host's meter factory),
    /// and the options "Registry", "Serving" and "Serving:Batching", validated at start.
    /// </summary>
    public static IServiceCollection AddServerlessRegistry(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddServerlessStorage(configuration);
        services.AddOptions<RegistryOptions>().BindConfiguration(RegistryOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<ServingOptions>().BindConfiguration(ServingOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<BatchingOptions>().BindConfiguration(BatchingOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(sp => new BlobModelRegistry(
            sp.GetRequiredService<ServerlessStorage>().Models,
            sp.GetRequiredService<IOptions<RegistryOptions>>(),
            sp.GetRequiredService<ILogger<BlobModelRegistry>>()));
        services.AddMetrics();
        services.AddSingleton<RegistryMetrics>();
        services.AddSingleton<ServedModels>();
        services.AddHostedService<AliasWatcher>();
        return services;
    }
}
