using Azure.Core;
using Azure.Identity;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Microsoft.Extensions.Azure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Serverless.Registry;

/// <summary>Composition of every storage client.</summary>
public static class StorageServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="ServerlessStorage"/>: the models storage and the <c>AzureWebJobsStorage</c> blobs and queues, built by
    /// Microsoft.Extensions.Azure from a connection string (Azurite, <c>UseDevelopmentStorage=true</c>) or an identity-based
    /// connection as the Functions runtime accepts it (<c>__accountName</c> or <c>__blobServiceUri</c> /
    /// <c>__queueServiceUri</c>, <c>__credential</c>, <c>__clientId</c>), with <see cref="DefaultAzureCredential"/> unless
    /// <c>__credential</c> says otherwise. Retries are few and short, so a storage outage fails a request in seconds (then
    /// 503), not minutes. A second call does nothing.
    /// </summary>
    public static IServiceCollection AddServerlessStorage(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        if (services.Any(descriptor => descriptor.ServiceType == typeof(ServerlessStorage)))
        {
            return services;
        }

        var host = StorageConnection.Resolve(configuration, StorageConnection.Host);
        var models = StorageConnection.ResolveModels(configuration);
        services.AddAzureClients(clients =>
        {
            // Unconfigured clients are registered with an empty section and never created: ServerlessStorage says what to set.
            clients.AddBlobServiceClient(models.ToSection(StorageService.Blob)).WithName(ServerlessStorage.ModelsClient);
            clients.AddBlobServiceClient(host.ToSection(StorageService.Blob)).WithName(ServerlessStorage.HostClient);
            clients.AddQueueServiceClient(host.ToSection(StorageService.Queue)).WithName(ServerlessStorage.HostClient)
                .ConfigureOptions(options => options.MessageEncoding = QueueMessageEncoding.None);
            clients.UseCredential(new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = host.ClientId }));
            clients.ConfigureDefaults(options =>
            {
                options.Retry.Mode = RetryMode.Exponential;
                options.Retry.MaxRetries = 3;
                options.Retry.Delay = TimeSpan.FromMilliseconds(200);
                options.Retry.MaxDelay = TimeSpan.FromSeconds(2);
                options.Retry.NetworkTimeout = TimeSpan.FromSeconds(15);
            });
        });
        // The clients forward the SDK's event logs, which report every request at Information; outages surface as exceptions.
        services.AddLogging(logging => logging.AddFilter("Azure", LogLevel.Warning));
        services.AddSingleton(provider => new ServerlessStorage(
            configuration,
            models,
            host,
            provider.GetRequiredService<IAzureClientFactory<BlobServiceClient>>(),
            provider.GetRequiredService<IAzureClientFactory<QueueServiceClient>>(),
            provider.GetRequiredService<AzureComponentFactory>()));
        return services;
    }
}
