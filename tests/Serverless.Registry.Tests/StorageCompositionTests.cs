using System.Net;
using System.Net.Sockets;
using System.Text;
using Azure.Storage.Queues;
using Microsoft.Extensions.Azure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Testing;

namespace Serverless.Registry.Tests;

[Collection(AzuriteCollection.Name)]
public sealed class StorageCompositionTests(AzuriteFixture azurite)
{
    private const string ClientId = "0f6d3c2e-5a8b-4c1d-9e7f-2a3b4c5d6e7f";

    [Fact(Timeout = AzuriteFixture.TestTimeoutMs)]
    public async Task ConnectionString_GivesClientsThatRoundTripABlobAndAPlainTextMessage()
    {
        var storage = Storage(new() { ["AzureWebJobsStorage"] = azurite.ConnectionString });
        var container = storage.Models.GetBlobContainerClient(azurite.UniqueName("composition"));
        var queue = storage.HostQueues.GetQueueClient(azurite.UniqueName("composition"));

        await container.CreateAsync(cancellationToken: AzuriteFixture.TestTimeout());
        await container.GetBlobClient("a.txt").UploadAsync(BinaryData.FromString("hello"), AzuriteFixture.TestTimeout());
        await queue.CreateAsync(cancellationToken: AzuriteFixture.TestTimeout());
        await queue.SendMessageAsync("""{"id":"1"}""", AzuriteFixture.TestTimeout());

        var blob = await storage.HostBlobs.GetBlobContainerClient(container.Name).GetBlobClient("a.txt").DownloadContentAsync(AzuriteFixture.TestTimeout());
        Assert.Equal("hello", blob.Value.Content.ToString());
        var raw = new QueueClient(azurite.ConnectionString, queue.Name);
        var message = Assert.Single((await raw.ReceiveMessagesAsync(1, cancellationToken: AzuriteFixture.TestTimeout())).Value);
        Assert.Equal("""{"id":"1"}""", message.Body.ToString());
    }

    [Fact]
    public void DevelopmentStorage_PointsAtAzuriteDefaultPortsWithTheAccountKey()
    {
        var storage = Storage(new() { ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true" });

        Assert.Equal(new Uri("http://127.0.0.1:10000/devstoreaccount1"), storage.Models.Uri);
        Assert.Equal(new Uri("http://127.0.0.1:10001/devstoreaccount1"), storage.HostQueues.Uri);
        Assert.True(storage.Models.CanGenerateAccountSasUri);
    }

    public static TheoryData<string, Dictionary<string, string?>, string, string> IdentityForms => new()
    {
        { "accountName", new() { ["AzureWebJobsStorage:accountName"] = "acct" }, "https://acct.blob.core.windows.net/", "https://acct.queue.core.windows.net/" },
        {
            "service URIs, managed identity, client id",
            new()
            {
                ["AzureWebJobsStorage:blobServiceUri"] = "https://blobs.example.net",
                ["AzureWebJobsStorage:queueServiceUri"] = "https://queues.example.net",
                ["AzureWebJobsStorage:credential"] = "managedidentity",
                ["AzureWebJobsStorage:clientId"] = ClientId,
            },
            "https://blobs.example.net/", "https://queues.example.net/"
        },
        {
            "accountName with an explicit blob URI",
            new() { ["AzureWebJobsStorage:accountName"] = "acct", ["AzureWebJobsStorage:blobServiceUri"] = "https://private.example.net" },
            "https://private.example.net/", "https://acct.queue.core.windows.net/"
        },
    };

    [Theory]
    [MemberData(nameof(IdentityForms))]
    public void IdentityForm_GivesTokenClientsOnTheExpectedEndpoints(string form, Dictionary<string, string?> settings, string blobUri, string queueUri)
    {
        var storage = Storage(settings);

        Assert.True(new Uri(blobUri) == storage.Models.Uri, form);
        Assert.Equal(new Uri(blobUri), storage.HostBlobs.Uri);
        Assert.Equal(new Uri(queueUri), storage.HostQueues.Uri);
        Assert.False(storage.Models.CanGenerateAccountSasUri);
        Assert.False(storage.HostBlobs.CanGenerateAccountSasUri);
        Assert.False(storage.HostQueues.CanGenerateAccountSasUri);
    }

    [Fact]
    public void EnvironmentWithOnlyIdentitySettings_GivesTokenClients()
    {
        // The trainer in Azure: shared keys disabled, settings as environment variables with "__".
        var prefix = $"STORAGE_TEST_{Guid.NewGuid():N}_";
        var variables = new Dictionary<string, string>
        {
            ["AzureWebJobsStorage__blobServiceUri"] = "https://acct.blob.core.windows.net",
            ["AzureWebJobsStorage__queueServiceUri"] = "https://acct.queue.core.windows.net",
            ["AzureWebJobsStorage__credential"] = "managedidentity",
            ["AzureWebJobsStorage__clientId"] = ClientId,
        };
        foreach (var (name, value) in variables)
        {
            Environment.SetEnvironmentVariable(prefix + name, value);
        }

        try
        {
            var configuration = new ConfigurationBuilder().AddEnvironmentVariables(prefix).Build();
            var storage = Build(configuration).GetRequiredService<ServerlessStorage>();

            Assert.Equal(new Uri("https://acct.blob.core.windows.net/"), storage.Models.Uri);
            Assert.Equal(new Uri("https://acct.queue.core.windows.net/"), storage.HostQueues.Uri);
            Assert.False(storage.Models.CanGenerateAccountSasUri);
            Assert.False(storage.HostQueues.CanGenerateAccountSasUri);
        }
        finally
        {
            foreach (var name in variables.Keys)
            {
                Environment.SetEnvironmentVariable(prefix + name, null);
            }
        }
    }

    [Fact]
    public void ManagedIdentitySection_IsWhatMicrosoftExtensionsAzureBindsAndGivesAManagedIdentityCredential()
    {
        var configuration = Configuration(new()
        {
            ["AzureWebJobsStorage:accountName"] = "acct",
            ["AzureWebJobsStorage:credential"] = "managedidentity",
            ["AzureWebJobsStorage:clientId"] = ClientId,
        });
        var section = StorageConnection.Resolve(configuration, StorageConnection.Host).ToSection(StorageService.Queue);
        using var services = Build(configuration);

        Assert.Equal("https://acct.queue.core.windows.net/", section["serviceUri"]);
        Assert.Equal("managedidentity", section["credential"]);
        Assert.Equal(ClientId, section["clientId"]);
        Assert.Null(section["connectionString"]);
        Assert.IsType<Azure.Identity.ManagedIdentityCredential>(services.GetRequiredService<AzureComponentFactory>().CreateTokenCredential(section));
    }

    [Theory(Timeout = AzuriteFixture.TestTimeoutMs)]
    [InlineData(null, "1c1d2e3f-0000-4000-8000-000000000001")]
    [InlineData("managedidentity", "1c1d2e3f-0000-4000-8000-000000000002")]
    public async Task ClientId_ReachesTheManagedIdentityTokenRequest(string? credential, string clientId)
    {
        // A stand-in for the App Service identity endpoint, which both DefaultAzureCredential and ManagedIdentityCredential
        // use when IDENTITY_ENDPOINT and IDENTITY_HEADER are set; storage itself is a closed https port. Each case has its
        // own client id: managed identity tokens are cached per process and identity.
        var port = FreePort();
        using var identity = new HttpListener();
        identity.Prefixes.Add($"http://127.0.0.1:{port}/");
        identity.Start();
        Environment.SetEnvironmentVariable("IDENTITY_ENDPOINT", $"http://127.0.0.1:{port}/token");
        Environment.SetEnvironmentVariable("IDENTITY_HEADER", "test-header");
        try
        {
            var storage = Storage(new()
            {
                ["AzureWebJobsStorage:blobServiceUri"] = $"https://127.0.0.1:{FreePort()}",
                ["AzureWebJobsStorage:queueServiceUri"] = $"https://127.0.0.1:{FreePort()}",
                ["AzureWebJobsStorage:credential"] = credential,
                ["AzureWebJobsStorage:clientId"] = clientId,
            });
            var call = storage.HostQueues.GetQueueClient("q").ExistsAsync(AzuriteFixture.TestTimeout());

            var request = identity.GetContextAsync();
            if (await Task.WhenAny(request, call) == call)
            {
                Assert.Fail($"The client failed before asking for a token: {call.Exception?.GetBaseException()}");
            }

            var context = await request;
            var query = context.Request.Url!.Query;
            var expiresOn = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds();
            var token = Encoding.UTF8.GetBytes($$"""{"access_token":"token","expires_on":"{{expiresOn}}","resource":"https://storage.azure.com","token_type":"Bearer"}""");
            context.Response.ContentType = "application/json";
            await context.Response.OutputStream.WriteAsync(token, AzuriteFixture.TestTimeout());
            context.Response.Close();

            Assert.Contains(clientId, query, StringComparison.Ordinal);
            Assert.Contains("storage.azure.com", Uri.UnescapeDataString(query), StringComparison.Ordinal);
            await Assert.ThrowsAnyAsync<Exception>(() => call);
        }
        finally
        {
            Environment.SetEnvironmentVariable("IDENTITY_ENDPOINT", null);
            Environment.SetEnvironmentVariable("IDENTITY_HEADER", null);
        }
    }

    [Fact]
    public void RegistryConnectionString_OverridesTheModelsStorageOnly()
    {
        var storage = Storage(new()
        {
            ["Registry:ConnectionString"] = "UseDevelopmentStorage=true",
            ["AzureWebJobsStorage:accountName"] = "acct",
        });

        Assert.Equal(new Uri("http://127.0.0.1:10000/devstoreaccount1"), storage.Models.Uri);
        Assert.True(storage.Models.CanGenerateAccountSasUri);
        Assert.Equal(new Uri("https://acct.blob.core.windows.net/"), storage.HostBlobs.Uri);
        Assert.Equal(new Uri("https://acct.queue.core.windows.net/"), storage.HostQueues.Uri);
    }

    [Fact]
    public void RegistryServiceUri_OverridesTheModelsStorageWithATokenCredential()
    {
        var storage = Storage(new()
        {
            ["Registry:ServiceUri"] = "https://models.blob.core.windows.net",
            ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true",
        });

        Assert.Equal(new Uri("https://models.blob.core.windows.net/"), storage.Models.Uri);
        Assert.False(storage.Models.CanGenerateAccountSasUri);
        Assert.Equal(new Uri("http://127.0.0.1:10000/devstoreaccount1"), storage.HostBlobs.Uri);
    }

    [Fact]
    public void NothingConfigured_EachClientSaysWhatToSet()
    {
        var storage = Storage([]);

        var models = Assert.Throws<InvalidOperationException>(() => storage.Models);
        var queues = Assert.Throws<InvalidOperationException>(() => storage.HostQueues);

        Assert.Contains("Registry__ConnectionString", models.Message, StringComparison.Ordinal);
        Assert.Contains("AzureWebJobsStorage__accountName", models.Message, StringComparison.Ordinal);
        Assert.Contains("UseDevelopmentStorage=true", queues.Message, StringComparison.Ordinal);
        Assert.Contains("AzureWebJobsStorage__queueServiceUri", queues.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OnlyABlobEndpoint_GivesBlobsAndSaysTheQueueEndpointIsMissing()
    {
        var storage = Storage(new() { ["AzureWebJobsStorage:blobServiceUri"] = "https://acct.blob.core.windows.net" });

        var error = Assert.Throws<InvalidOperationException>(() => storage.HostQueues);

        Assert.Equal(new Uri("https://acct.blob.core.windows.net/"), storage.Models.Uri);
        Assert.Contains("no queue endpoint", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MalformedServiceUri_IsNamedInTheError()
    {
        var storage = Storage(new() { ["AzureWebJobsStorage:blobServiceUri"] = "acct.blob.core.windows.net" });

        var error = Assert.Throws<InvalidOperationException>(() => storage.HostBlobs);

        Assert.Contains("AzureWebJobsStorage__blobServiceUri 'acct.blob.core.windows.net'", error.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = AzuriteFixture.TestTimeoutMs)]
    public async Task QueuesByConnectionName_ReadsConnectionStringsAndAppliesTheEncoding()
    {
        var storage = Storage(new() { ["ConnectionStrings:Other"] = azurite.ConnectionString });
        var queue = storage.Queues("Other", QueueMessageEncoding.Base64).GetQueueClient(azurite.UniqueName("by-name"));

        await queue.CreateAsync(cancellationToken: AzuriteFixture.TestTimeout());
        await queue.SendMessageAsync("hello", AzuriteFixture.TestTimeout());

        var raw = new QueueClient(azurite.ConnectionString, queue.Name);
        var message = Assert.Single((await raw.ReceiveMessagesAsync(1, cancellationToken: AzuriteFixture.TestTimeout())).Value);
        Assert.Equal(Convert.ToBase64String("hello"u8), message.Body.ToString());
        Assert.Same(storage.Queues("Other", QueueMessageEncoding.Base64), storage.Queues("Other", QueueMessageEncoding.Base64));
    }

    [Fact]
    public void QueuesByConnectionName_TakesTheRuntimePrefixAndIdentityForms()
    {
        var storage = Storage(new()
        {
            ["AzureWebJobsPrefixed"] = "UseDevelopmentStorage=true",
            ["Identity:accountName"] = "other",
        });

        Assert.Equal(new Uri("http://127.0.0.1:10001/devstoreaccount1"), storage.Queues("Prefixed", QueueMessageEncoding.None).Uri);
        var identity = storage.Queues("Identity", QueueMessageEncoding.None);
        Assert.Equal(new Uri("https://other.queue.core.windows.net/"), identity.Uri);
        Assert.False(identity.CanGenerateAccountSasUri);
        var missing = Assert.Throws<InvalidOperationException>(() => storage.Queues("Missing", QueueMessageEncoding.None));
        Assert.Contains("'Missing'", missing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddServerlessStorage_CalledTwice_RegistersOnce()
    {
        var configuration = Configuration(new() { ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true" });
        var services = new ServiceCollection().AddServerlessStorage(configuration);
        var count = services.Count;

        services.AddServerlessStorage(configuration);
        Assert.Equal(count, services.Count);
        services.AddServerlessRegistry(configuration);

        Assert.Single(services, d => d.ServiceType == typeof(ServerlessStorage));
        using var provider = services.BuildServiceProvider();
        Assert.Same(provider.GetRequiredService<ServerlessStorage>().Models, provider.GetRequiredService<ServerlessStorage>().Models);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static IConfiguration Configuration(Dictionary<string, string?> settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings).Build();

    private static ServiceProvider Build(IConfiguration configuration) =>
        new ServiceCollection().AddServerlessStorage(configuration).BuildServiceProvider();

    private static ServerlessStorage Storage(Dictionary<string, string?> settings) =>
        Build(Configuration(settings)).GetRequiredService<ServerlessStorage>();
}
