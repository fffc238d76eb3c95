using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace Serverless.LocalHost.Tests.Samples;

/// <summary>
/// Durable functions declared exactly as a function app declares them: an HTTP starter with a Durable client, an
/// orchestrator that calls an activity and then waits for an approval event, and HTTP functions that raise the event and
/// report the orchestration's status.
/// </summary>
public sealed class SampleDurableFunctions(InvocationTag tag)
{
    public const string Orchestrator = "GreetingOrchestrator";
    public const string ApprovalEvent = "Approval";
    public const string WaitingStatus = "waiting for approval";

    [Function("StartGreeting")]
    public static async Task<IActionResult> StartGreeting(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "greetings/{name}")] HttpRequest request,
        string name,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellationToken)
    {
        var fail = request.Query["fail"] == "true";
        var instanceId = await client.ScheduleNewOrchestrationInstanceAsync(Orchestrator, new GreetingRequest(name, fail), cancellationToken);
        return new AcceptedResult($"greetings/{instanceId}", new { instanceId });
    }

    [Function("ApproveGreeting")]
    public static async Task<IActionResult> ApproveGreeting(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "greetings/{instanceId}/approve")] HttpRequest request,
        string instanceId,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellationToken)
    {
        await client.RaiseEventAsync(instanceId, ApprovalEvent, new Approval(request.Query["by"].ToString()), cancellationToken);
        return new AcceptedResult();
    }

    [Function("GreetingStatus")]
    public static async Task<IActionResult> GreetingStatus(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "greetings/{instanceId}")] HttpRequest request,
        string instanceId,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellationToken)
    {
        var instance = await client.GetInstanceAsync(instanceId, getInputsAndOutputs: true, cancellationToken);
        return instance is null
            ? new NotFoundResult()
            : new OkObjectResult(new GreetingStatusResponse(instance.RuntimeStatus.ToString(),
                instance.ReadCustomStatusAs<string>(), instance.ReadOutputAs<string>()));
    }

    [Function(Orchestrator)]
    public static async Task<string> GreetingOrchestrator([OrchestrationTrigger] TaskOrchestrationContext context, FunctionContext functionContext)
    {
        var request = context.GetInput<GreetingRequest>()!;
        string greeting;
        try
        {
            greeting = await context.CallActivityAsync<string>("Greet", request);
        }
        catch (TaskFailedException exception)
        {
            return $"greeting failed: {exception.FailureDetails.ErrorMessage}";
        }

        context.SetCustomStatus(WaitingStatus);
        var approval = await context.WaitForExternalEvent<Approval>(ApprovalEvent);
        return $"{greeting}; approved by {approval.By} in {functionContext.FunctionDefinition.Name}";
    }

    [Function("Greet")]
    public string Greet([ActivityTrigger] GreetingRequest request, FunctionContext context) =>
        request.Fail
            ? throw new InvalidOperationException($"no greeting for {request.Name}")
            // The sample middleware tags each invocation: the tag proves the activity ran through the app's pipeline.
            : $"Hello {request.Name} (middleware {(tag.Value == context.InvocationId ? "ran" : "skipped")})";
}

public sealed record GreetingRequest(string Name, bool Fail);

public sealed record Approval(string By);

public sealed record GreetingStatusResponse(string RuntimeStatus, string? CustomStatus, string? Output);
