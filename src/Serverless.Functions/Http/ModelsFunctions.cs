using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;
using Serverless.Errors;
using Serverless.Options;
using Serverless.Registry;

namespace Serverless.Functions.Http;

/// <summary>The model registry over HTTP: list and read (function key), publish and move aliases (admin key).</summary>
public sealed class ModelsFunctions(BlobModelRegistry registry, ILogger<ModelsFunctions> logger)
{
    // Admin bodies are a few short strings.
    private const int MaxAdminBodyBytes = 16 * 1024;

    /// <summary><c>GET /api/models</c>: every model with its versions and aliases.</summary>
    [Function("ListModels")]
    public async Task<IActionResult> List(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "models")] HttpRequest request,
        CancellationToken cancellationToken) =>
        JsonActionResult.Ok(new { models = await registry.ListModelsAsync(cancellationToken) });

    /// <summary><c>GET /api/models/{name}</c>: one model, its versions with their manifests, and its aliases.</summary>
    [Function("GetModel")]
    public async Task<IActionResult> Get(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "models/{name}")] HttpRequest request,
        string name,
        CancellationToken cancellationToken) =>
        JsonActionResult.Ok(await registry.GetModelAsync(ModelNames.Validate(name), cancellationToken));

    /// <summary>
    /// <c>POST /api/models/{name}/versions</c> with <c>{"source":"container/folder/"}</c>: validates the package in that blob
    /// folder and publishes it as the next version; 201 with the new version and a Location of the model.
    /// </summary>
    [Function("PublishModelVersion")]
    public async Task<IActionResult> Publish(
        [HttpTrigger(AuthorizationLevel.Admin, "post", Route = "models/{name}/versions")] HttpRequest request,
        string name,
        CancellationToken cancellationToken)
    {
        ModelNames.Validate(name);
        using var body = await RequestBody.ReadJsonAsync(request, MaxAdminBodyBytes, cancellationToken);
        var source = ReadString(body.RootElement, "source", "{\"source\":\"uploads/my-model/\"}");
        var published = await registry.PublishFromBlobFolderAsync(name, source, cancellationToken);
        Log.Published(logger, name, published.Version, source);
        return JsonActionResult.Created(ModelLocation(request), published);
    }

    /// <summary>
    /// <c>PUT /api/models/{name}/aliases/{alias}</c> with <c>{"version":"N"}</c>: points the alias at that version
    /// (promote or roll back); 200 with the alias and its version.
    /// </summary>
    [Function("SetModelAlias")]
    public async Task<IActionResult> SetAlias(
        [HttpTrigger(AuthorizationLevel.Admin, "put", Route = "models/{name}/aliases/{alias}")] HttpRequest request,
        string name,
        string alias,
        CancellationToken cancellationToken)
    {
        ModelNames.Validate(name);
        RegistryNames.ValidateAlias(alias);

        using var body = await RequestBody.ReadJsonAsync(request, MaxAdminBodyBytes, cancellationToken);
        var version = body.RootElement.ValueKind == JsonValueKind.Object
            ? ClassifyRequestParser.ReadVersion(ClassifyRequestParser.Find(body.RootElement, "version"))
            : null;
        if (version is null || !long.TryParse(version, out _))
        {
            throw new InvalidRequestException("Send the version number the alias should point to: {\"version\":\"3\"}.");
        }

        await registry.SetAliasAsync(name, alias, version, cancellationToken);
        Log.AliasSet(logger, name, alias, version);
        return JsonActionResult.Ok(new { model = name, alias, version });
    }

    // The model's own route (GET models/{name} lists the new version), derived from this request so the route prefix is kept.
    private static string ModelLocation(HttpRequest request)
    {
        var path = request.Path.Value ?? "";
        return $"{request.PathBase}{path[..path.LastIndexOf('/')]}";
    }

    private static string ReadString(JsonElement root, string property, string example) =>
        root.ValueKind == JsonValueKind.Object
        && ClassifyRequestParser.Find(root, property) is { ValueKind: JsonValueKind.String } value
        && !string.IsNullOrWhiteSpace(value.GetString())
            ? value.GetString()!
            : throw new InvalidRequestException($"Send \"{property}\" as a non-empty string: {example}.");
}
