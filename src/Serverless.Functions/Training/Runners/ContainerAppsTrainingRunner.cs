using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Azure.Core;
using Microsoft.Extensions.Logging;

namespace Serverless.Functions.Training.Runners;

/// <summary>
/// Runs the trainer as an execution of the Azure Container Apps job, through the Azure Resource Manager REST API
/// (<c>Microsoft.App/jobs/{job}/start</c>, <c>…/executions/{name}</c>, <c>…/executions/{name}/stop</c>). The start request
/// carries the whole container — image, <c>run --run-id {runId}</c>, resources and every environment variable
/// (<see cref="TrainerEnvironment.For"/>) — because it replaces the job's template rather than merging with it. The
/// execution id is the execution's name. Throttling, 5xx and network failures throw
/// <see cref="TrainingRunnerTransientException"/>; other refusals throw <see cref="InvalidOperationException"/> with ARM's
/// message. Thread-safe.
/// </summary>
public sealed class ContainerAppsTrainingRunner : ITrainingRunner
{
    /// <summary>Name of the <see cref="HttpClient"/> taken from the <see cref="IHttpClientFactory"/>.</summary>
    public const string HttpClientName = "Serverless.Training.Arm";

    private static readonly TimeSpan s_tokenRefreshMargin = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan s_defaultPollInterval = TimeSpan.FromSeconds(1);
    private const int MaxStartPolls = 60;

    private readonly ContainerAppsTrainingRunnerOptions _options;
    private readonly IHttpClientFactory _httpClients;
    private readonly TokenCredential _credential;
    private readonly ILogger _logger;
    private readonly string _jobPath;
    private volatile CachedToken? _token;

    /// <summary>Creates the runner.</summary>
    /// <param name="options">The job, the trainer container and its identity (validated at start).</param>
    /// <param name="httpClients">Gives the client named <see cref="HttpClientName"/>.</param>
    /// <param name="credential">The identity that calls ARM (the function app's).</param>
    /// <param name="logger">Logger.</param>
    public ContainerAppsTrainingRunner(
        ContainerAppsTrainingRunnerOptions options,
        IHttpClientFactory httpClients,
        TokenCredential credential,
        ILogger<ContainerAppsTrainingRunner> logger)
    {
        _options = options;
        _httpClients = httpClients;
        _credential = credential;
        _logger = logger;
        _jobPath = $"/subscriptions/{Uri.EscapeDataString(options.SubscriptionId ?? "")}/resourceGroups/{Uri.EscapeDataString(options.ResourceGroup ?? "")}" +
            $"/providers/Microsoft.App/jobs/{Uri.EscapeDataString(options.JobName ?? "")}";
    }

    /// <inheritdoc />
    public async Task<string> StartAsync(string runId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(runId);
        var answer = await SendAsync(HttpMethod.Post, Url("/start"), StartBody(runId), cancellationToken);
        if (answer.Status == HttpStatusCode.NotFound)
        {
            throw new InvalidOperationException(
                $"The trainer job {_options.JobName} was not found in resource group {_options.ResourceGroup} of subscription " +
                $"{_options.SubscriptionId}: check Training__Runner__ContainerApps__SubscriptionId, __ResourceGroup and __JobName. {answer.Message}");
        }

        // ARM may answer the start as a long-running operation: 202 with a Location to poll for the execution.
        var polls = 0;
        while (ExecutionName(answer.Body) is null && answer.Location is { } location && polls++ < MaxStartPolls)
        {
            await Task.Delay(answer.RetryAfter ?? s_defaultPollInterval, cancellationToken);
            answer = await SendAsync(HttpMethod.Get, location, body: null, cancellationToken);
            answer = answer with { Location = answer.Status == HttpStatusCode.Accepted ? answer.Location ?? location : null };
        }

        var name = ExecutionName(answer.Body)
            ?? throw new TrainingRunnerTransientException($"ARM started job {_options.JobName} for run {runId} but named no execution (status {(int)answer.Status}).", (int)answer.Status);
        Log.JobStarted(_logger, runId, _options.JobName!, name);
        return name;
    }

    /// <inheritdoc />
    public async Task<TrainerExecutionState> GetStateAsync(string runId, string executionId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(executionId);
        var answer = await SendAsync(HttpMethod.Get, Url(ExecutionPath(executionId)), body: null, cancellationToken);
        if (answer.Status == HttpStatusCode.NotFound)
        {
            return TrainerExecutionState.Missing;
        }

        var status = answer.Body?["properties"]?["status"]?.GetValue<string>();
        switch (status)
        {
            case "Running" or "Processing" or "Unknown":
                return TrainerExecutionState.Running;
            case "Succeeded":
                return TrainerExecutionState.Succeeded;
            case "Failed" or "Degraded":
                return TrainerExecutionState.Failed;
            case "Stopped":
                return TrainerExecutionState.Stopped;
            default:
                // A status added after this was written: keep watching rather than end the run on a guess.
                Log.UnknownStatus(_logger, _options.JobName!, executionId, status);
                return TrainerExecutionState.Running;
        }
    }

    /// <inheritdoc />
    public async Task StopAsync(string runId, string executionId, CancellationToken cancellationToken)
    {
        if (await GetStateAsync(runId, executionId, cancellationToken) != TrainerExecutionState.Running)
        {
            return;
        }

        // 404: it ended and was cleaned up meanwhile, which is what stopping asks for.
        await SendAsync(HttpMethod.Post, Url(ExecutionPath(executionId) + "/stop"), body: null, cancellationToken);
        Log.Stopped(_logger, runId, executionId);
    }

    /// <summary>The JobExecutionTemplate of a start: the one trainer container, complete.</summary>
    internal JsonObject StartBody(string runId)
    {
        var env = new JsonArray();
        foreach (var (name, value) in TrainerEnvironment.For(_options))
        {
            env.Add(new JsonObject { ["name"] = name, ["value"] = value });
        }

        var args = new JsonArray("run", "--run-id", runId);
        foreach (var argument in _options.Arguments)
        {
            args.Add(argument);
        }

        return new JsonObject
        {
            ["containers"] = new JsonArray(new JsonObject
            {
                ["name"] = _options.ContainerName,
                ["image"] = _options.Image,
                ["args"] = args,
                ["env"] = env,
                ["resources"] = new JsonObject { ["cpu"] = _options.Cpu, ["memory"] = _options.Memory },
            }),
        };
    }

    private static string ExecutionPath(string executionId) => $"/executions/{Uri.EscapeDataString(executionId)}";

    private static string? ExecutionName(JsonNode? body) => body?["name"]?.GetValue<string>() is { Length: > 0 } name ? name : null;

    private Uri Url(string suffix) =>
        new(_options.ArmEndpoint, $"{_jobPath}{suffix}?api-version={Uri.EscapeDataString(_options.ApiVersion)}");

    private async Task<ArmAnswer> SendAsync(HttpMethod method, Uri url, JsonNode? body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, url);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await TokenAsync(cancellationToken));
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        }
        else if (method == HttpMethod.Post)
        {
            request.Content = new ByteArrayContent([]);
        }

        HttpResponseMessage response;
        try
        {
            response = await _httpClients.CreateClient(HttpClientName).SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException exception)
        {
            throw new TrainingRunnerTransientException($"Azure Resource Manager could not be reached ({method} {url.AbsolutePath}): {exception.Message}", innerException: exception);
        }
        catch (TaskCanceledException exception) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TrainingRunnerTransientException($"Azure Resource Manager did not answer {method} {url.AbsolutePath} in time.", innerException: exception);
        }

        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            var json = ParseJson(text);
            var status = (int)response.StatusCode;
            var retryAfter = response.Headers.RetryAfter?.Delta
                ?? (response.Headers.RetryAfter?.Date is { } date ? date - DateTimeOffset.UtcNow : null);
            if (response.IsSuccessStatusCode || response.StatusCode == HttpStatusCode.NotFound)
            {
                return new ArmAnswer(response.StatusCode, json, response.Headers.Location, retryAfter, ErrorMessage(json, text));
            }

            var message = ErrorMessage(json, text);
            Log.ArmFailed(_logger, status, method.Method, url.AbsolutePath, message);
            if (status is 408 or 429 or >= 500)
            {
                throw new TrainingRunnerTransientException(
                    $"Azure Resource Manager answered {status} to {method} {url.AbsolutePath}: {message}", status, retryAfter);
            }

            throw new InvalidOperationException(
                $"Azure Resource Manager refused {method} {url.AbsolutePath} with {status}: {message}" +
                (status is 401 or 403
                    ? " The function app's identity needs the trainer-runner role on the job (infra/app/trainer.bicep)."
                    : ""));
        }
    }

    private async Task<string> TokenAsync(CancellationToken cancellationToken)
    {
        // Credentials cache too, but not all of them; two callers refreshing at once is harmless.
        if (_token is { } cached && cached.ExpiresOn - s_tokenRefreshMargin > DateTimeOffset.UtcNow)
        {
            return cached.Token;
        }

        var token = await _credential.GetTokenAsync(new TokenRequestContext([_options.Scope]), cancellationToken);
        _token = new CachedToken(token.Token, token.ExpiresOn);
        return token.Token;
    }

    private static JsonNode? ParseJson(string text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(text);
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    private static string ErrorMessage(JsonNode? json, string text)
    {
        var error = json is JsonObject ? json["error"] : null;
        var code = error?["code"]?.GetValue<string>();
        var message = error?["message"]?.GetValue<string>();
        if (message is not null)
        {
            return code is null ? message : string.Create(CultureInfo.InvariantCulture, $"{code}: {message}");
        }

        return text.Length <= 500 ? text : text[..500];
    }

    private sealed record CachedToken(string Token, DateTimeOffset ExpiresOn);

    private sealed record ArmAnswer(HttpStatusCode Status, JsonNode? Body, Uri? Location, TimeSpan? RetryAfter, string Message);
}
