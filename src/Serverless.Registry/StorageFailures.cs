using Azure;
using Azure.Identity;
using Serverless.Errors;

namespace Serverless.Registry;

/// <summary>Tells storage outages (unreachable, timing out, 5xx, refused credentials) apart from answers.</summary>
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

    private static string Describe(Exception exception) => exception switch
    {
        RequestFailedException { Status: > 0 } failed => $"HTTP {failed.Status} {failed.ErrorCode}".TrimEnd(),
        AggregateException { InnerExceptions.Count: > 0 } aggregate => Describe(aggregate.InnerExceptions[^1]),
        OperationCanceledException => "the request timed out",
        _ => exception.GetBaseException().Message,
    };
}
