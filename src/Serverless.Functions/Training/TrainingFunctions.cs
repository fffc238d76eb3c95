using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Serverless.Errors;
using Serverless.Functions.Http;

namespace Serverless.Functions.Training;

/// <summary>Training runs over HTTP (admin key): start, follow, list, approve, cancel.</summary>
public sealed class TrainingFunctions(TrainingRuns runs)
{
    // A training request is a few dozen short fields.
    private const int MaxBodyBytes = 64 * 1024;
    private const int DefaultTop = 50;
    private const int MaxTop = 100;

    /// <summary>
    /// <c>POST /api/training</c>: validates the request and starts the run; 202 with <c>{"id","statusUrl"}</c> and a Location
    /// header (200 with the same for a repeated request with the same runId and body).
    /// </summary>
    [Function("StartTraining")]
    public async Task<IActionResult> Start(
        [HttpTrigger(AuthorizationLevel.Admin, "post", Route = "training")] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellationToken)
    {
        using var body = await RequestBody.ReadJsonAsync(request, MaxBodyBytes, cancellationToken);
        if (body.RootElement.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidRequestException("Send a JSON object: {\"model\":\"reviews\",\"dataset\":\"datasets/reviews/train.jsonl\"}.");
        }

        var (run, created) = await runs.StartAsync(client, body.RootElement.GetRawText(), cancellationToken);
        return new JsonActionResult(run, created ? StatusCodes.Status202Accepted : StatusCodes.Status200OK,
            Headers: new Dictionary<string, string> { ["Location"] = run.StatusUrl });
    }

    /// <summary><c>GET /api/training</c>: runs newest first; <c>?model=</c> filters, <c>?top=</c> (1-100, default 50) limits.</summary>
    [Function("ListTraining")]
    public async Task<IActionResult> List(
        [HttpTrigger(AuthorizationLevel.Admin, "get", Route = "training")] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellationToken)
    {
        var model = request.Query["model"].FirstOrDefault();
        var top = DefaultTop;
        if (request.Query["top"].FirstOrDefault() is { } text
            && (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out top) || top is < 1 or > MaxTop))
        {
            throw new InvalidRequestException($"top must be a whole number from 1 to {MaxTop}, not '{CallerInput.Excerpt(text)}'.");
        }

        return JsonActionResult.Ok(new { runs = await runs.ListAsync(client, string.IsNullOrEmpty(model) ? null : model, top, cancellationToken) });
    }

    /// <summary><c>GET /api/training/{id}</c>: the run's status document with live progress.</summary>
    [Function("GetTraining")]
    public async Task<IActionResult> Get(
        [HttpTrigger(AuthorizationLevel.Admin, "get", Route = "training/{id}")] HttpRequest request,
        string id,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellationToken) =>
        JsonActionResult.Ok(await runs.GetAsync(client, id, cancellationToken));

    /// <summary><c>POST /api/training/{id}/approve</c> with <c>{"approved":true}</c> or <c>{"approved":false}</c>; 409 unless awaiting approval.</summary>
    [Function("ApproveTraining")]
    public async Task<IActionResult> Approve(
        [HttpTrigger(AuthorizationLevel.Admin, "post", Route = "training/{id}/approve")] HttpRequest request,
        string id,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellationToken)
    {
        using var body = await RequestBody.ReadJsonAsync(request, MaxBodyBytes, cancellationToken);
        if (body.RootElement.ValueKind != JsonValueKind.Object
            || ClassifyRequestParser.Find(body.RootElement, "approved") is not { ValueKind: JsonValueKind.True or JsonValueKind.False } approved)
        {
            throw new InvalidRequestException("Send {\"approved\":true} to move production to the candidate, or {\"approved\":false} to reject it.");
        }

        return new JsonActionResult(await runs.ApproveAsync(client, id, approved.GetBoolean(), cancellationToken), StatusCodes.Status202Accepted);
    }

    /// <summary><c>POST /api/training/{id}/cancel</c>: stops the trainer; the run ends Canceled. 409 once it has ended.</summary>
    [Function("CancelTraining")]
    public async Task<IActionResult> Cancel(
        [HttpTrigger(AuthorizationLevel.Admin, "post", Route = "training/{id}/cancel")] HttpRequest request,
        string id,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellationToken) =>
        new JsonActionResult(await runs.CancelAsync(client, id, cancellationToken), StatusCodes.Status202Accepted);
}
