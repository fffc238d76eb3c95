using Azure;
using Azure.Identity;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Logging;
using Serverless.Errors;

namespace Serverless.Registry;

/// <summary>
/// Tells storage outages (unreachable, timing out, 5xx, refused credentials) apart from answers, and failures of the local
/// disk apart from those of the network; the one place that turns either into the registry's 503s.
/// </summary>
public static class StorageFailures
{
    /// <summary>True when the exception means storage could not be used, not that the caller cancelled or asked wrongly.</summary>
    public static bool IsUnavailable(Exception exception, CancellationToken cancellationToken) => exception switch
    {
        ServiceException => false,
        OperationCanceledException when cancellationToken.IsCancellationRequested => false,
        RequestFailedException failed => failed.Status is 0 or 401 or 403 or 408 or 429 or >= 500,
        AggregateException aggregate => aggregate.InnerExceptions.Count > 0 &&
            aggregate.InnerExceptions.All(e => IsUnavailable(e, cancellationToken)),
        HttpRequestException or TimeoutException or OperationCanceledException => true,
        AuthenticationFailedException or CredentialUnavailableException => true,
        _ => false,
    };

    /// <summary>The 503 for a storage outage, naming the cause and what to check.</summary>
    public static ServiceUnavailableException Unavailable(Exception exception, string container) =>
        ServiceUnavailableException.Storage(
            $"The model registry in blob storage could not be used ({Describe(exception)}): check the storage connection " +
            $"(Registry:ConnectionString, AzureWebJobsStorage or Registry:ServiceUri), that the account is reachable, and " +
            $"that this app may read and write the '{container}' container.",
            exception);

    /// <summary>
    /// Awaits a registry operation on <paramref name="container"/>; a storage outage it ends in (<see cref="IsUnavailable"/>)
    /// is logged and thrown as <see cref="Unavailable"/>. Answers, and the caller's own cancellation, pass unchanged.
    /// </summary>
    internal static async Task<T> ThrowOutagesAsUnavailableAsync<T>(
        Task<T> operation, BlobContainerClient container, ILogger logger, CancellationToken cancellationToken)
    {
        try
        {
            return await operation;
        }
        catch (Exception ex) when (IsUnavailable(ex, cancellationToken))
        {
            Log.StorageUnavailable(logger, container.Uri, ex);
            throw Unavailable(ex, container.Name);
        }
    }

    /// <summary>A failure of the local disk (full, unwritable, missing folder), as opposed to one of the network.</summary>
    internal static bool IsLocalDiskFailure(Exception exception) => exception switch
    {
        UnauthorizedAccessException => true,
        HttpIOException => false,
        IOException io => io.InnerException is not (System.Net.Sockets.SocketException or HttpRequestException or IOException),
        AggregateException { InnerExceptions.Count: > 0 } aggregate => aggregate.InnerExceptions.All(IsLocalDiskFailure),
        _ => false,
    };

    /// <summary>
    /// The 503 (model-cache-unavailable) for a local model cache that could not be written: <paramref name="what"/> failed
    /// (e.g. "Model 'spam' version 3 could not be written to"), where, why, and what to change.
    /// </summary>
    internal static ServiceUnavailableException CacheUnwritable(string what, string cacheDirectory, Exception exception) =>
        ServiceUnavailableException.Cache(
            $"{what} the local model cache '{cacheDirectory}' ({exception.Message}): free disk space there, or set " +
            "Registry:CacheDirectory to a folder with room that this app may write.",
            exception);

    private static string Describe(Exception exception) => exception switch
    {
        RequestFailedException { Status: > 0 } failed => $"HTTP {failed.Status} {failed.ErrorCode}".TrimEnd(),
        AggregateException { InnerExceptions.Count: > 0 } aggregate => Describe(aggregate.InnerExceptions[^1]),
        OperationCanceledException => "the request timed out",
        _ => exception.GetBaseException().Message,
    };
}
