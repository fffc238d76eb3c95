using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Serverless.Functions.Http.OpenApi;

namespace Serverless.Functions.Http;

/// <summary><c>GET /api/openapi.json</c> (anonymous): the OpenAPI 3.1 document of this HTTP API.</summary>
public sealed class OpenApiFunction
{
    /// <summary>The document, built from the app's own HTTP functions by <see cref="OpenApiDocumentBuilder"/>.</summary>
    [Function("OpenApi")]
    public IActionResult Document([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "openapi.json")] HttpRequest request) =>
        JsonActionResult.Ok(OpenApiDocumentBuilder.Document);
}
