using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using FromBodyAttribute = Microsoft.Azure.Functions.Worker.Http.FromBodyAttribute;
using Microsoft.Extensions.Configuration;

namespace Serverless.LocalHost.Tests.Samples;

/// <summary>HTTP functions declared exactly as a function app declares them.</summary>
public sealed class SampleHttpFunctions(InvocationTag tag, IConfiguration configuration)
{
    [Function("Part")]
    public IActionResult Part(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "things/{name}/parts/{id:int}")] HttpRequest request,
        string name,
        int id,
        FunctionContext context) =>
        new OkObjectResult(new
        {
            name,
            id,
            query = request.Query["q"].ToString(),
            function = context.FunctionDefinition.Name,
            invocationId = context.InvocationId,
            tag = tag.Value,
            sameHttpContext = ReferenceEquals(context.GetHttpContext(), request.HttpContext),
        });

    [Function("Ping")]
    public static IActionResult Ping([HttpTrigger(AuthorizationLevel.Anonymous, "get")] HttpRequest request) =>
        new OkObjectResult("pong");

    [Function("Refuse")]
    public static IActionResult Refuse([HttpTrigger(AuthorizationLevel.Function, "get", Route = "refuse")] HttpRequest request) =>
        throw new SampleRefusedException("the sample refuses this request");

    [Function("Conflict")]
    public static Task<IActionResult> Conflict([HttpTrigger(AuthorizationLevel.Function, "put", Route = "conflict/{name}")] HttpRequest request,
        string name) =>
        throw new SampleConflictException($"{name} already exists");

    [Function("Crash")]
    public static IActionResult Crash([HttpTrigger(AuthorizationLevel.Function, "get", Route = "crash")] HttpRequest request) =>
        throw new InvalidOperationException("secret internal detail");

    [Function("CreateOrder")]
    public static async ValueTask<IResult> CreateOrder(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "orders")] HttpRequest request,
        [FromBody] Order order,
        CancellationToken cancellationToken)
    {
        await Task.Yield();
        cancellationToken.ThrowIfCancellationRequested();
        return Results.Created($"/orders/{order.Id}", order with { Total = order.Total + 1 });
    }

    [Function("Setting")]
    public IActionResult Setting([HttpTrigger(AuthorizationLevel.Function, "get", Route = "settings/{key}")] HttpRequest request, string key) =>
        new OkObjectResult(configuration[key.Replace("__", ":", StringComparison.Ordinal)]);

    [Function("Receipt")]
    public static ReceiptOutput Receipt([HttpTrigger(AuthorizationLevel.Function, "post", Route = "receipts/{id}")] HttpRequest request, string id) =>
        new(new AcceptedResult($"/receipts/{id}", new { id }), $"receipt {id}");

    [Function("Nightly")]
    public static void Nightly([TimerTrigger("0 0 3 * * *")] TimerInfo timer)
    {
    }
}

/// <summary>A multi-output result: an HTTP response and a queue message.</summary>
public sealed record ReceiptOutput(
    [property: HttpResult] IActionResult Response,
    [property: QueueOutput("%ReceiptsQueue%")] string Receipt);
