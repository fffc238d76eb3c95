using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Serverless.Testing;

namespace Serverless.Registry.Tests;

[Collection(AzuriteCollection.Name)]
public sealed class AzuriteFixtureTests(AzuriteFixture azurite)
{
    [Fact(Timeout = AzuriteFixture.TestTimeoutMs)]
    public async Task UniqueName_CreatesValidContainerAndQueue_ThatAreDistinctPerCall()
    {
        var container = azurite.UniqueName("Fixture Test__Container--Name");
        var queue = azurite.UniqueName("Fixture Test__Container--Name");

        Assert.NotEqual(container, queue);
        Assert.Matches("^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$", container);
        var blobs = new BlobContainerClient(azurite.ConnectionString, container);
        await blobs.CreateAsync(cancellationToken: AzuriteFixture.TestTimeout());
        await blobs.GetBlobClient("a.txt").UploadAsync(BinaryData.FromString("hello"), AzuriteFixture.TestTimeout());
        var queues = new QueueClient(azurite.ConnectionString, queue);
        await queues.CreateAsync(cancellationToken: AzuriteFixture.TestTimeout());

        Assert.Equal("hello", (await blobs.GetBlobClient("a.txt").DownloadContentAsync(AzuriteFixture.TestTimeout())).Value.Content.ToString());
        Assert.True((await queues.ExistsAsync(AzuriteFixture.TestTimeout())).Value);
    }

    [Fact]
    public void UniqueName_LongPrefix_IsCutTo63Characters()
    {
        var name = azurite.UniqueName(new string('a', 200));

        Assert.Equal(63, name.Length);
    }
}
