using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Serverless.Options;

namespace Serverless.Registry;

/// <summary>Composition of the registry layer (package storage).</summary>
public static class RegistryServiceCollectionExtensions
{
    /// <summary>
    /// Adds the storage clients (<see cref="StorageServiceCollectionExtensions.AddServerlessStorage"/>), the options
    /// "Registry", validated at start, and the model registry on the models storage (<see cref="ServerlessStorage.Models"/>):
    /// package storage only, what the trainer needs; serving is a layer above it. A second call does nothing.
    /// </summary>
    public static IServiceCollection AddServerlessRegistry(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        if (services.Any(descriptor => descriptor.ServiceType == typeof(BlobModelRegistry)))
        {
            return services;
        }

        services.AddServerlessStorage(configuration);
        services.AddOptions<RegistryOptions>().BindConfiguration(RegistryOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(sp => new BlobModelRegistry(
            sp.GetRequiredService<ServerlessStorage>().Models,
            sp.GetRequiredService<IOptions<RegistryOptions>>(),
            sp.GetRequiredService<ILogger<BlobModelRegistry>>()));
        return services;
    }
}
