using Azure.Storage.Blobs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Registry;

namespace Serverless.Testing;

/// <summary>The app's storage composition over one connection string: the clients, retries and timeouts the app uses.</summary>
public static class TestStorage
{
    /// <summary>
    /// <see cref="ServerlessStorage"/> with <paramref name="connectionString"/> as AzureWebJobsStorage (so also the models
    /// storage), built by <see cref="StorageServiceCollectionExtensions.AddServerlessStorage"/>.
    /// </summary>
    public static ServerlessStorage Create(string connectionString)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["AzureWebJobsStorage"] = connectionString })
            .Build();
        // The provider lives as long as the clients; they hold nothing that needs disposing.
        return new ServiceCollection().AddServerlessStorage(configuration).BuildServiceProvider().GetRequiredService<ServerlessStorage>();
    }

    /// <summary>
    /// Writes a package folder straight into the registry layout as version <paramref name="version"/> (files first,
    /// manifest.json last), the way an older release or another tool could have published it: without the publish-time
    /// checks, so tests can serve versions that publishing would refuse.
    /// </summary>
    public static async Task UploadVersionAsync(BlobContainerClient container, string name, int version, string packageDirectory, CancellationToken cancellationToken)
    {
        await container.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        var files = Directory.EnumerateFiles(packageDirectory, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(packageDirectory, f).Replace('\\', '/'))
            .OrderBy(f => f == "manifest.json");
        foreach (var file in files)
        {
            await container.GetBlobClient($"{name}/{version}/{file}").UploadAsync(Path.Combine(packageDirectory, file), cancellationToken);
        }
    }
}
