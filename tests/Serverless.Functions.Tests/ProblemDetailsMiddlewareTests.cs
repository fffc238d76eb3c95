using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Serverless.Errors;
using Serverless.Functions.Http;
using Serverless.Functions.Tests.Support;
using Serverless.Testing;

namespace Serverless.Functions.Tests;

[Collection(AzuriteCollection.Name)]
public sealed class ProblemDetailsMiddlewareTests(AzuriteFixture azurite)
{
    [Fact(Timeout = AzuriteFixture.TestTimeoutMs)]
    public async Task UnexpectedException_Is500ProblemWithCorrelationIdAndNoInternals()
    {
        await using var host = new FunctionTestHost(azurite);

        var response = await host.InvokeAsync("Broken", "POST", "/api/broken", "{}",
            _ => throw new InvalidOperationException("secret connection string AccountKey=abc"));

        Assert.Equal(500, response.Status);
        Assert.Equal("application/problem+json", response.ContentType?.Split(';')[0]);
        var problem = response.Json;
        Assert.Equal(ProblemTypes.InternalError.Type, problem.GetProperty("type").GetString());
        var correlationId = problem.GetProperty("correlationId").GetString();
        Assert.True(Guid.TryParse(correlationId, out _), "the correlation id is the invocation id");
        Assert.Contains(correlationId!, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("secret", response.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("InvalidOperationException", response.Body, StringComparison.Ordinal);
        Assert.DoesNotContain(" at ", response.Body, StringComparison.Ordinal);
    }

    [Fact(Timeout = AzuriteFixture.TestTimeoutMs)]
    public async Task RefusedRequests_AreCountedByProblemType_ServerFaultsAreNot()
    {
        await using var host = new FunctionTestHost(azurite);
        var function = "Counted" + Guid.NewGuid().ToString("N");
        using var refused = new RefusalRecorder(function);

        await host.InvokeAsync(function, "POST", "/api/classify", "{}", _ => throw new UnsupportedMediaTypeException("Send JSON."));
        await host.InvokeAsync(function, "POST", "/api/classify", "{}", _ => throw new InvalidOperationException("a bug"));

        Assert.Equal([ServiceException.TypePrefix + "unsupported-media-type"], refused.Types);
    }

    [Fact(Timeout = AzuriteFixture.TestTimeoutMs)]
    public async Task BusyAndUnavailable_Are429And503WithRetryAfter()
    {
        await using var host = new FunctionTestHost(azurite);

        var busy = await host.InvokeAsync("Classify", "POST", "/api/classify", "{}", _ => throw new EngineBusyException("The queue is full.", 2));
        var unavailable = await host.InvokeAsync("Classify", "POST", "/api/classify", "{}", _ => throw ServiceUnavailableException.Storage("Storage is down."));

        Assert.Equal(429, busy.Status);
        Assert.Equal("2", busy.Headers.RetryAfter.ToString());
        Assert.Equal(503, unavailable.Status);
        Assert.Equal(ProblemTypes.StorageUnavailable.Type, unavailable.Json.GetProperty("type").GetString());
        Assert.Equal("5", unavailable.Headers.RetryAfter.ToString());
    }

    [Fact(Timeout = AzuriteFixture.TestTimeoutMs)]
    public async Task ServerRejectedOversizedBody_Is413()
    {
        await using var host = new FunctionTestHost(azurite);

        var response = await host.InvokeAsync("Classify", "POST", "/api/classify", "{}",
            _ => throw new BadHttpRequestException("Request body too large.", StatusCodes.Status413PayloadTooLarge));

        Assert.Equal(413, response.Status);
        Assert.Equal(ServiceException.TypePrefix + "payload-too-large", response.Json.GetProperty("type").GetString());
    }

    [Fact(Timeout = AzuriteFixture.TestTimeoutMs)]
    public async Task SuccessfulResult_PassesThroughUntouched()
    {
        await using var host = new FunctionTestHost(azurite);

        var response = await host.InvokeAsync("Ok", "GET", "/api/ok", null, _ => Task.FromResult<IActionResult>(JsonActionResult.Ok(new { value = 1 })));

        Assert.Equal(200, response.Status);
        Assert.Equal(1, response.Json.GetProperty("value").GetInt32());
    }

    [Fact(Timeout = AzuriteFixture.TestTimeoutMs)]
    public async Task NonHttpFunctionFailure_IsRethrownForThePlatformsRetries()
    {
        await using var host = new FunctionTestHost(azurite);
        var middleware = Microsoft.Extensions.DependencyInjection.ActivatorUtilities.CreateInstance<ProblemDetailsMiddleware>(host.Services);

        await Assert.ThrowsAsync<TimeoutException>(() =>
            middleware.Invoke(new TestFunctionContext("ClassifyQueue", null, host.Services), _ => throw new TimeoutException()));
    }
}
