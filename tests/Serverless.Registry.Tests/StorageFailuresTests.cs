using System.Net.Sockets;
using Azure;
using Azure.Identity;
using Microsoft.Extensions.Logging.Abstractions;
using Serverless.Errors;
using Serverless.Testing;

namespace Serverless.Registry.Tests;

[Collection(AzuriteCollection.Name)]
public sealed class StorageFailuresTests(AzuriteFixture azurite)
{
    private const int Timeout = AzuriteFixture.TestTimeoutMs;

    [Fact]
    public void IsUnavailable_TellsOutagesFromAnswers()
    {
        var cases = new (Exception Exception, bool Outage)[]
        {
            (new RequestFailedException(503, "busy"), true),
            (new RequestFailedException(500, "broken"), true),
            (new RequestFailedException(429, "throttled"), true),
            (new RequestFailedException(403, "refused"), true),
            (new RequestFailedException(0, "no response"), true),
            (new RequestFailedException(404, "not found"), false),
            (new RequestFailedException(409, "conflict"), false),
            (new RequestFailedException(412, "condition"), false),
            (new HttpRequestException("connection refused"), true),
            (new TimeoutException(), true),
            (new OperationCanceledException(), true),
            (new CredentialUnavailableException("no identity"), true),
            (new AggregateException(new HttpRequestException("a"), new RequestFailedException(503, "b")), true),
            (new AggregateException(new HttpRequestException("a"), new RequestFailedException(404, "b")), false),
            (new AggregateException(), false),
            (new ModelNotFoundException("an answer"), false),
            (new InvalidOperationException("a bug"), false),
        };

        foreach (var (exception, outage) in cases)
        {
            Assert.True(outage == StorageFailures.IsUnavailable(exception, CancellationToken.None), $"{exception.GetType().Name} ({exception.Message}): expected outage {outage}");
        }
    }

    [Fact]
    public void IsUnavailable_TheCallersOwnCancellation_IsNoOutage()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.False(StorageFailures.IsUnavailable(new OperationCanceledException(cancelled.Token), cancelled.Token));
    }

    [Fact]
    public void Unavailable_NamesTheStatusTheSettingsAndTheContainer()
    {
        var error = StorageFailures.Unavailable(new RequestFailedException(503, "busy", "ServerBusy", null), "models");

        Assert.Equal(ProblemTypes.StorageUnavailable.Type, error.Type);
        Assert.Contains("HTTP 503 ServerBusy", error.Message, StringComparison.Ordinal);
        Assert.Contains("Registry:ConnectionString", error.Message, StringComparison.Ordinal);
        Assert.Contains("'models' container", error.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = Timeout)]
    public async Task ThrowOutagesAsUnavailable_UnreachableStorage_IsStorageUnavailableWithTheCause()
    {
        var port = FreePort();
        var connection = $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={Convert.ToBase64String(new byte[64])};BlobEndpoint=http://127.0.0.1:{port}/devstoreaccount1;";
        var container = TestStorage.Create(connection).Models.GetBlobContainerClient("offline");
        var ct = AzuriteFixture.TestTimeout();

        var error = await Assert.ThrowsAsync<ServiceUnavailableException>(() => StorageFailures.ThrowOutagesAsUnavailableAsync(
            container.ExistsAsync(ct), container, NullLogger.Instance, ct));

        Assert.Equal(ProblemTypes.StorageUnavailable.Type, error.Type);
        Assert.Contains("'offline' container", error.Message, StringComparison.Ordinal);
        Assert.NotNull(error.InnerException);
    }

    [Fact(Timeout = Timeout)]
    public async Task ThrowOutagesAsUnavailable_AnAnswerOfStorage_PassesUnchanged()
    {
        var container = TestStorage.Create(azurite.ConnectionString).Models.GetBlobContainerClient(azurite.UniqueName("answers"));
        var ct = AzuriteFixture.TestTimeout();

        var missing = await Assert.ThrowsAsync<RequestFailedException>(() => StorageFailures.ThrowOutagesAsUnavailableAsync(
            container.GetBlobClient("absent.json").DownloadContentAsync(ct), container, NullLogger.Instance, ct));
        var exists = await StorageFailures.ThrowOutagesAsUnavailableAsync(container.ExistsAsync(ct), container, NullLogger.Instance, ct);

        Assert.Equal(404, missing.Status);
        Assert.False(exists.Value);
    }

    [Fact(Timeout = Timeout)]
    public async Task ThrowOutagesAsUnavailable_TheCallerCancelling_StaysACancellation()
    {
        var container = TestStorage.Create(azurite.ConnectionString).Models.GetBlobContainerClient(azurite.UniqueName("cancelled"));
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => StorageFailures.ThrowOutagesAsUnavailableAsync(
            container.ExistsAsync(cancelled.Token), container, NullLogger.Instance, cancelled.Token));
    }

    [Fact]
    public void IsLocalDiskFailure_TellsTheDiskFromTheNetwork()
    {
        Assert.True(StorageFailures.IsLocalDiskFailure(new IOException("No space left on device")));
        Assert.True(StorageFailures.IsLocalDiskFailure(new UnauthorizedAccessException()));
        Assert.True(StorageFailures.IsLocalDiskFailure(new AggregateException(new IOException("full"), new UnauthorizedAccessException())));
        Assert.False(StorageFailures.IsLocalDiskFailure(new IOException("reset", new SocketException())));
        Assert.False(StorageFailures.IsLocalDiskFailure(new HttpIOException(HttpRequestError.ResponseEnded)));
        Assert.False(StorageFailures.IsLocalDiskFailure(new AggregateException(new IOException("full"), new HttpRequestException("down"))));
        Assert.False(StorageFailures.IsLocalDiskFailure(new RequestFailedException(503, "busy")));
    }

    [Fact]
    public void CacheUnwritable_IsModelCacheUnavailableNamingTheFolderAndTheSetting()
    {
        var error = StorageFailures.CacheUnwritable("Model 'spam' version 3 could not be written to", "/var/cache/models", new IOException("No space left on device"));

        Assert.Equal(ProblemTypes.ModelCacheUnavailable.Type, error.Type);
        Assert.Equal(
            "Model 'spam' version 3 could not be written to the local model cache '/var/cache/models' (No space left on device): free disk space there, " +
            "or set Registry:CacheDirectory to a folder with room that this app may write.",
            error.Message);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
