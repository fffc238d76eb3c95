using Azure.Core;
using Azure.Identity;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Configuration;
using Serverless.Options;

namespace Serverless.Registry;

/// <summary>Creates the blob client of the models storage from configuration.</summary>
public static class StorageClients
{
    /// <summary>
    /// Retries and timeouts kept modest so an unreachable storage account fails a request in seconds (then 503), not minutes.
    /// </summary>
    public static BlobClientOptions BlobOptions()
    {
        var options = new BlobClientOptions();
        options.Retry.Mode = RetryMode.Exponential;
        options.Retry.MaxRetries = 3;
        options.Retry.Delay = TimeSpan.FromMilliseconds(200);
        options.Retry.MaxDelay = TimeSpan.FromSeconds(2);
        options.Retry.NetworkTimeout = TimeSpan.FromSeconds(15);
        return options;
    }

    /// <summary>
    /// The models storage: Registry:ConnectionString, else the AzureWebJobsStorage connection string, else
    /// Registry:ServiceUri (or AzureWebJobsStorage:blobServiceUri / :accountName) with DefaultAzureCredential, which is the
    /// managed identity in Azure (client id from Registry:ManagedIdentityClientId or AzureWebJobsStorage:clientId).
    /// </summary>
    /// <exception cref="InvalidOperationException">No storage is configured.</exception>
    public static BlobServiceClient CreateBlobServiceClient(RegistryOptions registry, IConfiguration configuration)
    {
        var connectionString = FirstNonEmpty(registry.ConnectionString, configuration["AzureWebJobsStorage"]);
        if (connectionString is not null)
        {
            return new BlobServiceClient(connectionString, BlobOptions());
        }

        var accountName = configuration["AzureWebJobsStorage:accountName"];
        var serviceUri = registry.ServiceUri
            ?? (Uri.TryCreate(configuration["AzureWebJobsStorage:blobServiceUri"], UriKind.Absolute, out var uri) ? uri : null)
            ?? (string.IsNullOrWhiteSpace(accountName) ? null : new Uri($"https://{accountName}.blob.core.windows.net"))
            ?? throw new InvalidOperationException(
                "No models storage is configured: set Registry:ConnectionString or AzureWebJobsStorage to a connection string, " +
                "or Registry:ServiceUri to the blob endpoint (https://<account>.blob.core.windows.net) for managed identity.");
        var credential = new DefaultAzureCredential(new DefaultAzureCredentialOptions
        {
            ManagedIdentityClientId = FirstNonEmpty(configuration["Registry:ManagedIdentityClientId"], configuration["AzureWebJobsStorage:clientId"]),
        });
        return new BlobServiceClient(serviceUri, credential, BlobOptions());
    }

    private static string? FirstNonEmpty(params string?[] values) => values.FirstOrDefault(v => !string.IsNullOrWhiteSpace(v));
}
