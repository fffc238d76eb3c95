using System.Reflection;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Routing;
using Microsoft.Azure.Functions.Worker;
using Microsoft.OpenApi;
using Microsoft.OpenApi.Reader;
using Serverless.Errors;
using Serverless.Functions.Http;
using Serverless.Functions.Http.OpenApi;
using Serverless.Testing;

namespace Serverless.Functions.Tests;

/// <summary>GET /api/openapi.json against the functions the app really has, found from their attributes.</summary>
public sealed class OpenApiDocumentTests
{
    private static readonly Assembly s_app = typeof(ClassifyFunction).Assembly;

    // What each auth level admits in the document (the oracle: the Functions host's own rules for keys).
    private static readonly Dictionary<AuthorizationLevel, string[]> s_expectedSecurity = new()
    {
        [AuthorizationLevel.Anonymous] = [],
        [AuthorizationLevel.Function] = ["functionKeyHeader", "functionKeyQuery"],
        [AuthorizationLevel.Admin] = ["adminKeyHeader", "adminKeyQuery"],
    };

    [Fact]
    public async Task OpenApiFunction_AnswersValidJsonOpenApi310()
    {
        var (status, contentType, body) = await GetAsync();

        Assert.Equal(200, status);
        Assert.StartsWith("application/json", contentType, StringComparison.Ordinal);
        using var document = JsonDocument.Parse(body);
        Assert.Equal("3.1.0", document.RootElement.GetProperty("openapi").GetString());
        Assert.False(string.IsNullOrEmpty(document.RootElement.GetProperty("info").GetProperty("title").GetString()));
    }

    [Fact]
    public async Task Document_ReadByOpenApiNet_HasNoErrors()
    {
        var (_, _, body) = await GetAsync();

        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(body));
        var read = await OpenApiDocument.LoadAsync(stream, "json", new OpenApiReaderSettings());

        Assert.NotNull(read.Document);
        Assert.Empty(read.Diagnostic!.Errors);
        Assert.Equal(OpenApiSpecVersion.OpenApi3_1, read.Diagnostic.SpecificationVersion);
        Assert.Empty(read.Document!.Validate(ValidationRuleSet.GetDefaultRuleSet()) ?? []);
    }

    [Fact]
    public async Task Document_HasEveryHttpFunction_WithItsRouteMethodAndSecurity_AndNothingElse()
    {
        var (_, _, body) = await GetAsync();
        using var document = JsonDocument.Parse(body);
        var paths = document.RootElement.GetProperty("paths");
        var functions = HttpFunctions();
        Assert.Contains(functions, f => f.Name == "OpenApi" && f.Route == "openapi.json" && f.Level == AuthorizationLevel.Anonymous);

        foreach (var (name, route, method, level) in functions)
        {
            Assert.True(paths.TryGetProperty("/api/" + route, out var item), $"{name}: /api/{route} is not in the document.");
            Assert.True(item.TryGetProperty(method, out var operation), $"{name}: {method} /api/{route} is not in the document.");
            Assert.Equal(name, operation.GetProperty("operationId").GetString());
            var security = operation.GetProperty("security").EnumerateArray().Select(r => Assert.Single(r.EnumerateObject()).Name).ToList();
            Assert.Equal(s_expectedSecurity[level], security);
            Assert.Equal(level != AuthorizationLevel.Anonymous, operation.GetProperty("responses").TryGetProperty("401", out _));
        }

        var documented = paths.EnumerateObject().SelectMany(p => p.Value.EnumerateObject().Select(o => (p.Name, o.Name))).ToList();
        Assert.Equal(
            functions.Select(f => ("/api/" + f.Route, f.Method)).Order(),
            documented.Order());
        Assert.False(document.RootElement.TryGetProperty("security", out _), "no document-wide security: anonymous routes need no key");
    }

    [Fact]
    public async Task Document_PathParameters_AreTheRouteParameters()
    {
        var (_, _, body) = await GetAsync();
        using var document = JsonDocument.Parse(body);

        foreach (var (name, route, method, _) in HttpFunctions())
        {
            var operation = document.RootElement.GetProperty("paths").GetProperty("/api/" + route).GetProperty(method);
            var declared = operation.TryGetProperty("parameters", out var parameters)
                ? parameters.EnumerateArray().Where(p => p.GetProperty("in").GetString() == "path").Select(p => p.GetProperty("name").GetString()).ToList()
                : [];
            var inRoute = route.Split('/').Where(s => s.StartsWith('{')).Select(s => s.Trim('{', '}')).ToList();
            Assert.True(inRoute.SequenceEqual(declared), $"{name}: path parameters [{string.Join(", ", declared)}], route has [{string.Join(", ", inRoute)}].");
        }
    }

    [Fact]
    public async Task Document_Problems_AreTheProblemTypesList_AndEveryErrorResponseIsProblemJsonOfItsStatus()
    {
        var (_, _, body) = await GetAsync();
        using var document = JsonDocument.Parse(body);
        var schemas = document.RootElement.GetProperty("components").GetProperty("schemas");

        var listed = schemas.GetProperty("Problem").GetProperty("properties").GetProperty("type").GetProperty("enum").EnumerateArray().Select(t => t.GetString());
        Assert.Equal(ProblemTypes.All.Select(p => p.Type), listed);
        Assert.Contains(ProblemTypes.InternalError.Type, listed);

        foreach (var path in document.RootElement.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject())
            {
                var responses = operation.Value.GetProperty("responses");
                Assert.True(responses.TryGetProperty("500", out _), $"{operation.Name} {path.Name} has no 500 problem.");
                foreach (var response in responses.EnumerateObject().Where(r => int.Parse(r.Name, System.Globalization.CultureInfo.InvariantCulture) >= 400 && r.Name != "401"))
                {
                    var schema = response.Value.GetProperty("content").GetProperty("application/problem+json").GetProperty("schema");
                    var reference = schema.GetProperty("$ref").GetString()!;
                    var types = schemas.GetProperty(reference["#/components/schemas/".Length..]).GetProperty("properties").GetProperty("type").GetProperty("enum")
                        .EnumerateArray().Select(t => t.GetString()).ToList();
                    Assert.Equal(ProblemTypes.All.Where(p => p.Status.ToString(System.Globalization.CultureInfo.InvariantCulture) == response.Name).Select(p => p.Type), types);
                }
            }
        }
    }

    [Fact]
    public async Task Document_ClassifyAndTrainingBodies_FollowTheContract()
    {
        var (_, _, body) = await GetAsync();
        using var document = JsonDocument.Parse(body);
        var schemas = document.RootElement.GetProperty("components").GetProperty("schemas");
        var paths = document.RootElement.GetProperty("paths");

        Assert.Equal("#/components/schemas/ClassifyRequest", RequestSchema(paths, "/api/classify", "post"));
        var classify = schemas.GetProperty("ClassifyRequest").GetProperty("properties");
        Assert.Equal(["texts", "text", "model", "version", "topK", "variant", "long"], classify.EnumerateObject().Select(p => p.Name));
        Assert.Equal(["int8", "fp32"], classify.GetProperty("variant").GetProperty("enum").EnumerateArray().Select(v => v.GetString()).Order(StringComparer.Ordinal).Reverse());
        Assert.Equal(["truncate", "windows"], classify.GetProperty("long").GetProperty("enum").EnumerateArray().Select(v => v.GetString()));

        Assert.Equal("#/components/schemas/TrainingRequest", RequestSchema(paths, "/api/training", "post"));
        var training = schemas.GetProperty("TrainingRequest");
        Assert.Equal(["model", "dataset"], training.GetProperty("required").EnumerateArray().Select(v => v.GetString()));
        var fields = training.GetProperty("properties").EnumerateObject().Select(p => p.Name).ToList();
        foreach (var field in new[] { "runId", "model", "base", "dataset", "validationDataset", "testDataset", "textField", "labelField", "sliceField", "hyperparameters", "gate" })
        {
            Assert.Contains(field, fields);
        }

        var gate = training.GetProperty("properties").GetProperty("gate").GetProperty("properties").EnumerateObject().Select(p => p.Name).ToList();
        Assert.Contains("mustBeatProduction", gate);
        Assert.Contains("requireApproval", gate);
        Assert.Equal("#/components/schemas/ApproveRequest", RequestSchema(paths, "/api/training/{id}/approve", "post"));
        Assert.False(paths.GetProperty("/api/training/{id}/cancel").GetProperty("post").TryGetProperty("requestBody", out _));
        Assert.True(paths.GetProperty("/api/training").GetProperty("post").GetProperty("responses").TryGetProperty("202", out _));
    }

    [Fact]
    public void Build_FunctionWithoutDescription_OrDescriptionWithoutFunction_Fails()
    {
        var missing = OpenApiOperations.ByFunction.Where(o => o.Key != "Classify").ToDictionary();
        var extra = OpenApiOperations.ByFunction.Append(KeyValuePair.Create("Gone", OpenApiOperations.ByFunction["Classify"])).ToDictionary();

        var noDescription = Assert.Throws<InvalidOperationException>(() => OpenApiDocumentBuilder.Build(s_app, missing));
        var noFunction = Assert.Throws<InvalidOperationException>(() => OpenApiDocumentBuilder.Build(s_app, extra));

        Assert.Contains("Classify", noDescription.Message, StringComparison.Ordinal);
        Assert.Contains("Gone", noFunction.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RoutePrefix_IsTheOneInHostJson()
    {
        using var hostJson = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryRoot.Path, "host.json")));

        Assert.Equal(OpenApiDocumentBuilder.RoutePrefix, hostJson.RootElement.GetProperty("extensions").GetProperty("http").GetProperty("routePrefix").GetString());
    }

    private static string? RequestSchema(JsonElement paths, string path, string method) =>
        paths.GetProperty(path).GetProperty(method).GetProperty("requestBody").GetProperty("content").GetProperty("application/json").GetProperty("schema").GetProperty("$ref").GetString();

    /// <summary>Every route and method of the app's HTTP functions, read from their [Function] and [HttpTrigger] attributes.</summary>
    private static List<(string Name, string Route, string Method, AuthorizationLevel Level)> HttpFunctions() =>
    [
        .. from type in s_app.GetTypes()
           from method in type.GetMethods()
           let function = method.GetCustomAttribute<FunctionAttribute>()
           where function is not null
           from parameter in method.GetParameters()
           let trigger = parameter.GetCustomAttribute<HttpTriggerAttribute>()
           where trigger is not null
           from verb in trigger.Methods!
           select (function.Name, trigger.Route!, verb.ToLowerInvariant(), trigger.AuthLevel),
    ];

    private static async Task<(int Status, string? ContentType, string Body)> GetAsync()
    {
        var context = new DefaultHttpContext();
        context.Request.Method = "GET";
        context.Request.Path = "/api/openapi.json";
        var body = new MemoryStream();
        context.Response.Body = body;

        var result = new OpenApiFunction().Document(context.Request);
        await result.ExecuteResultAsync(new ActionContext(context, new RouteData(), new ActionDescriptor()));
        return (context.Response.StatusCode, context.Response.ContentType, Encoding.UTF8.GetString(body.ToArray()));
    }
}
