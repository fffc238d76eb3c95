using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;
using Serverless.Options;

namespace Serverless.Functions.Http;

/// <summary><c>POST /api/classify</c>: classify one or many texts.</summary>
public sealed class ClassifyFunction(ClassificationService classifier, IOptions<RequestLimitsOptions> limits)
{
    /// <summary>Reads <c>{"texts":[…]}</c> or <c>{"text":"…"}</c> and answers <c>{"model","version","device","results"}</c>.</summary>
    [Function("Classify")]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "classify")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        // A caller that hangs up takes its texts out of the engine's queue.
        using var aborted = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, request.HttpContext.RequestAborted);
        using var body = await RequestBody.ReadJsonAsync(request, limits.Value.MaxRequestBytes, aborted.Token);
        var classify = ClassifyRequestParser.Parse(body.RootElement, limits.Value);
        return JsonActionResult.Ok(await classifier.ClassifyAsync(classify, ClassificationService.Http, aborted.Token));
    }
}
