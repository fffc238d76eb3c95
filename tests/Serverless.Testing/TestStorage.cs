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
}
