using System.Text.Json.Nodes;

namespace Serverless.Functions.Http.OpenApi;

/// <summary>An optional query parameter of an operation.</summary>
/// <param name="Name">The parameter name.</param>
/// <param name="Description">What it does.</param>
/// <param name="Schema">Its JSON schema.</param>
public sealed record OpenApiQueryParameter(string Name, string Description, JsonObject Schema);
