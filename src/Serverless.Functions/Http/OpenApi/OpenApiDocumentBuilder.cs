using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Azure.Functions.Worker;
using Serverless.Errors;

namespace Serverless.Functions.Http.OpenApi;

/// <summary>
/// Builds the OpenAPI 3.1 document of the HTTP API from the app itself: every <c>[Function]</c> with an
/// <c>[HttpTrigger]</c> gives its path, method and auth level, <see cref="OpenApiOperations"/> what it takes and answers,
/// <see cref="OpenApiSchemas"/> the bodies and <see cref="ProblemTypes"/> the problem+json errors.
/// </summary>
public static class OpenApiDocumentBuilder
{
    /// <summary>The route prefix of every HTTP function (host.json <c>extensions.http.routePrefix</c>).</summary>
    public const string RoutePrefix = "api";

    /// <summary>Security scheme: a function key in the <c>x-functions-key</c> header.</summary>
    public const string FunctionKeyHeader = "functionKeyHeader";

    /// <summary>Security scheme: a function key in the <c>code</c> query parameter.</summary>
    public const string FunctionKeyQuery = "functionKeyQuery";

    /// <summary>Security scheme: the host's master key in the <c>x-functions-key</c> header.</summary>
    public const string AdminKeyHeader = "adminKeyHeader";

    /// <summary>Security scheme: the host's master key in the <c>code</c> query parameter.</summary>
    public const string AdminKeyQuery = "adminKeyQuery";

    private const string KeyHeader = "x-functions-key";
    private const string KeyQuery = "code";

    private static readonly Lazy<JsonDocument> s_document = new(() => JsonSerializer.SerializeToDocument(Build(typeof(OpenApiDocumentBuilder).Assembly)));

    /// <summary>The document of this app, built once (it depends only on the assembly).</summary>
    public static JsonElement Document => s_document.Value.RootElement;

    /// <summary>The document of the HTTP functions in <paramref name="functions"/>.</summary>
    /// <exception cref="InvalidOperationException">
    /// An HTTP function has no entry in <paramref name="operations"/>, an entry names no HTTP function, or an auth level has
    /// no security scheme.
    /// </exception>
    public static JsonObject Build(Assembly functions, IReadOnlyDictionary<string, OpenApiOperation>? operations = null)
    {
        ArgumentNullException.ThrowIfNull(functions);
        operations ??= OpenApiOperations.ByFunction;
        var triggers = HttpFunctions(functions);
        var undescribed = triggers.Select(t => t.Name).Except(operations.Keys, StringComparer.Ordinal).ToList();
        var stale = operations.Keys.Except(triggers.Select(t => t.Name), StringComparer.Ordinal).ToList();
        if (undescribed.Count > 0 || stale.Count > 0)
        {
            throw new InvalidOperationException(
                $"The OpenAPI operations and the HTTP functions differ: functions without a description [{string.Join(", ", undescribed)}], " +
                $"descriptions without a function [{string.Join(", ", stale)}]. Add or remove entries in {nameof(OpenApiOperations)}.");
        }

        var paths = new JsonObject();
        foreach (var (name, trigger) in triggers.OrderBy(t => t.Trigger.Route, StringComparer.Ordinal).Select(t => (t.Name, t.Trigger)))
        {
            var path = Path(trigger.Route!, out var parameters);
            if (paths[path] is not JsonObject item)
            {
                item = new JsonObject();
                paths[path] = item;
            }

            foreach (var method in trigger.Methods ?? [])
            {
                item[method.ToLowerInvariant()] = Operation(name, operations[name], trigger.AuthLevel, parameters);
            }
        }

        var assembly = functions.GetName();
        return new JsonObject
        {
            ["openapi"] = "3.1.0",
            ["info"] = new JsonObject
            {
                ["title"] = "Serverless text classification",
                ["version"] = assembly.Version?.ToString(3) ?? "1.0.0",
                ["description"] = "Classify texts with ONNX models from a blob registry, manage model versions and aliases, and run training. " +
                    "Errors are application/problem+json (RFC 9457) with a stable type. In Azure, keys are Azure Functions keys; " +
                    "the local host has none and listens on loopback only.",
            },
            ["tags"] = new JsonArray([.. operations.Values.Select(o => o.Tag).Distinct().Select(t => (JsonNode)new JsonObject { ["name"] = t })]),
            ["paths"] = paths,
            ["components"] = new JsonObject
            {
                ["schemas"] = OpenApiSchemas.Components(),
                ["securitySchemes"] = new JsonObject
                {
                    [FunctionKeyHeader] = Key("header", KeyHeader, "A function key (the host's master key works too)."),
                    [FunctionKeyQuery] = Key("query", KeyQuery, "A function key (the host's master key works too)."),
                    [AdminKeyHeader] = Key("header", KeyHeader, "The host's master key."),
                    [AdminKeyQuery] = Key("query", KeyQuery, "The host's master key."),
                },
            },
        };
    }

    /// <summary>The security schemes that admit a caller at <paramref name="level"/>, any one of which suffices; none for anonymous.</summary>
    /// <exception cref="InvalidOperationException">The level has no scheme here (user and system keys are not used by this app).</exception>
    public static IReadOnlyList<string> SecuritySchemes(AuthorizationLevel level) => level switch
    {
        AuthorizationLevel.Anonymous => [],
        AuthorizationLevel.Function => [FunctionKeyHeader, FunctionKeyQuery],
        AuthorizationLevel.Admin => [AdminKeyHeader, AdminKeyQuery],
        _ => throw new InvalidOperationException($"Auth level {level} has no security scheme in the OpenAPI document."),
    };

    private static List<(string Name, HttpTriggerAttribute Trigger)> HttpFunctions(Assembly assembly) =>
    [
        .. from type in assembly.GetTypes()
           from method in type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly)
           let function = method.GetCustomAttribute<FunctionAttribute>()
           where function is not null
           from parameter in method.GetParameters()
           let trigger = parameter.GetCustomAttribute<HttpTriggerAttribute>()
           where trigger is not null
           select (function.Name, trigger),
    ];

    // "models/{name}" → "/api/models/{name}" and its parameter names (constraints and defaults are not part of an OpenAPI path).
    private static string Path(string route, out IReadOnlyList<string> parameters)
    {
        var pattern = RoutePatternFactory.Parse(route);
        parameters = [.. pattern.Parameters.Select(p => p.Name)];
        var segments = pattern.PathSegments.Select(s => string.Concat(s.Parts.Select(part => part switch
        {
            RoutePatternLiteralPart literal => literal.Content,
            RoutePatternParameterPart parameter => "{" + parameter.Name + "}",
            RoutePatternSeparatorPart separator => separator.Content,
            _ => throw new InvalidOperationException($"Route '{route}' has a part the OpenAPI document cannot describe."),
        })));
        return "/" + RoutePrefix + "/" + string.Join('/', segments);
    }

    private static JsonObject Operation(string name, OpenApiOperation operation, AuthorizationLevel level, IReadOnlyList<string> pathParameters)
    {
        var result = new JsonObject
        {
            ["operationId"] = name,
            ["tags"] = new JsonArray(operation.Tag),
            ["summary"] = operation.Summary,
            ["security"] = new JsonArray([.. SecuritySchemes(level).Select(s => (JsonNode)new JsonObject { [s] = new JsonArray() })]),
        };

        var parameters = new JsonArray();
        foreach (var parameter in pathParameters)
        {
            parameters.Add(new JsonObject { ["name"] = parameter, ["in"] = "path", ["required"] = true, ["schema"] = new JsonObject { ["type"] = "string" } });
        }

        foreach (var query in operation.Query)
        {
            parameters.Add(new JsonObject { ["name"] = query.Name, ["in"] = "query", ["required"] = false, ["description"] = query.Description, ["schema"] = query.Schema.DeepClone() });
        }

        if (parameters.Count > 0)
        {
            result["parameters"] = parameters;
        }

        if (operation.RequestSchema is { } request)
        {
            result["requestBody"] = new JsonObject { ["required"] = true, ["content"] = Json(JsonActionResult.Json, OpenApiSchemas.Ref(request)) };
        }

        var responses = new SortedDictionary<int, JsonObject> { [operation.SuccessStatus] = Success(operation.SuccessDescription, operation.ResponseSchema, operation.SuccessHeaders) };
        foreach (var (status, description) in operation.OtherSuccesses)
        {
            responses[status] = Success(description, operation.ResponseSchema, operation.SuccessHeaders);
        }

        if (level != AuthorizationLevel.Anonymous)
        {
            responses[401] = new JsonObject { ["description"] = "No key, or a key that does not admit this route (answered by the Functions host, without a body)." };
        }

        foreach (var status in operation.ErrorStatuses.Append(ProblemTypes.InternalError.Status).Distinct().Order())
        {
            if (!ProblemTypes.All.Any(p => p.Status == status))
            {
                throw new InvalidOperationException($"Operation '{name}' lists status {status}, which no problem type has.");
            }

            responses[status] = new JsonObject
            {
                ["description"] = string.Join("; ", ProblemTypes.All.Where(p => p.Status == status).Select(p => $"{p.Slug}: {p.Title}")),
                ["content"] = Json(ProblemResponse.ContentType, OpenApiSchemas.Ref(OpenApiSchemas.ProblemWithStatus(status))),
            };
        }

        result["responses"] = new JsonObject(responses.Select(r => KeyValuePair.Create(Status(r.Key), (JsonNode?)r.Value)));
        return result;
    }

    private static JsonObject Success(string description, string? schema, IReadOnlyDictionary<string, string> headers)
    {
        var response = new JsonObject { ["description"] = description };
        if (headers.Count > 0)
        {
            var map = new JsonObject();
            foreach (var (header, text) in headers)
            {
                map[header] = new JsonObject { ["description"] = text, ["schema"] = new JsonObject { ["type"] = "string" } };
            }

            response["headers"] = map;
        }

        response["content"] = Json(JsonActionResult.Json, schema is null ? new JsonObject { ["type"] = "object" } : OpenApiSchemas.Ref(schema));
        return response;
    }

    private static JsonObject Json(string mediaType, JsonObject schema) => new() { [mediaType] = new JsonObject { ["schema"] = schema } };

    private static JsonObject Key(string where, string name, string description) =>
        new() { ["type"] = "apiKey", ["in"] = where, ["name"] = name, ["description"] = description };

    private static string Status(int status) => status.ToString(CultureInfo.InvariantCulture);
}
