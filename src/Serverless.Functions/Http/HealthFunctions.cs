using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;
using Serverless.Errors;
using Serverless.Options;
using Serverless.Serving;

namespace Serverless.Functions.Http;

/// <summary><c>GET /api/health</c> (readiness) and <c>GET /api/health/live</c> (liveness); anonymous.</summary>
public sealed class HealthFunctions(ServedModels models, IOptions<ServingOptions> serving)
{
    /// <summary>
    /// 200 with the loaded models (name, version, alias, device) and the versions that cannot be served (name, version,
    /// problem type, reason) once one is loaded; 503 with Retry-After before, naming any unservable version and why.
    /// </summary>
    [Function("Health")]
    public IActionResult Ready([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "health")] HttpRequest request)
    {
        var loaded = models.Loaded;
        var unservable = models.Unservable;
        return loaded.Count > 0
            ? JsonActionResult.Ok(new { status = "ready", models = loaded, unservable })
            : throw new ServiceUnavailableException(
                $"No model is loaded yet. The default model '{serving.Value.DefaultModel}' ({serving.Value.DefaultAlias}) loads at start-up " +
                "and on the first classify request; publish it if the registry has none." +
                string.Concat(unservable.Select(u => $" Model '{u.Name}' version {u.Version} cannot be served: {u.Reason}")));
    }

    /// <summary>200 whenever the process can answer at all.</summary>
    [Function("HealthLive")]
    public IActionResult Live([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "health/live")] HttpRequest request) =>
        JsonActionResult.Ok(new { status = "alive" });
}
