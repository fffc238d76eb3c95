using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Schema;
using System.Text.Json.Serialization.Metadata;
using Serverless.Classification;
using Serverless.Errors;
using Serverless.Functions.Training;
using Serverless.Options;
using Serverless.Packages;
using Serverless.Registry;
using Serverless.Serving;
using Serverless.Training;

namespace Serverless.Functions.Http.OpenApi;

/// <summary>
/// The component schemas of the OpenAPI document. Bodies the app writes, and the training request it deserializes, are
/// exported from their .NET types with the serializer options that write or read them, so the schemas follow the types;
/// the bodies read by hand (classify, publish, alias, approve) are written here from the same constants the parsers use.
/// </summary>
public static class OpenApiSchemas
{
    /// <summary>Body of <c>POST /api/classify</c>.</summary>
    public const string ClassifyRequest = "ClassifyRequest";

    /// <summary>Answer of <c>POST /api/classify</c>.</summary>
    public const string ClassifyResponse = "ClassifyResponse";

    /// <summary>Answer of <c>GET /api/models</c>.</summary>
    public const string ModelList = "ModelList";

    /// <summary>Answer of <c>GET /api/models/{name}</c>.</summary>
    public const string ModelDetails = "ModelDetails";

    /// <summary>Body of <c>POST /api/models/{name}/versions</c>.</summary>
    public const string PublishRequest = "PublishRequest";

    /// <summary>Answer of <c>POST /api/models/{name}/versions</c>.</summary>
    public const string PublishedVersion = "PublishedVersion";

    /// <summary>Body of <c>PUT /api/models/{name}/aliases/{alias}</c>.</summary>
    public const string AliasRequest = "AliasRequest";

    /// <summary>Answer of <c>PUT /api/models/{name}/aliases/{alias}</c>.</summary>
    public const string AliasResponse = "AliasResponse";

    /// <summary>Body of <c>POST /api/training</c>.</summary>
    public const string TrainingRequest = "TrainingRequest";

    /// <summary>Answer of <c>POST /api/training</c>.</summary>
    public const string TrainingAccepted = "TrainingAccepted";

    /// <summary>A training run's status document.</summary>
    public const string TrainingRun = "TrainingRun";

    /// <summary>Answer of <c>GET /api/training</c>.</summary>
    public const string TrainingRunList = "TrainingRunList";

    /// <summary>Body of <c>POST /api/training/{id}/approve</c>.</summary>
    public const string ApproveRequest = "ApproveRequest";

    /// <summary>Answer of <c>GET /api/health</c>.</summary>
    public const string Health = "Health";

    /// <summary>Answer of <c>GET /api/health/live</c>.</summary>
    public const string Liveness = "Liveness";

    /// <summary>An RFC 9457 problem of any of the <see cref="ProblemTypes"/>.</summary>
    public const string Problem = "Problem";

    private static readonly JsonSchemaExporterOptions s_exporter = new()
    {
        TreatNullObliviousAsNonNullable = true,
        TransformSchemaNode = (context, schema) => context.TypeInfo.Type == typeof(TimeSpan) || context.TypeInfo.Type == typeof(TimeSpan?)
            // TimeSpan has a custom converter, so the exporter knows nothing of it: the contract writes it "d.hh:mm:ss".
            ? new JsonObject { ["type"] = "string", ["description"] = "A duration, d.hh:mm:ss (e.g. 7.00:00:00)." }
            // Any JSON (a JsonNode or object member) exports as the schema true; OpenAPI tools read the equivalent {} better.
            : schema is JsonValue { } value && value.GetValueKind() == JsonValueKind.True ? new JsonObject()
            : Nullable.GetUnderlyingType(context.TypeInfo.Type) is not null ? WithNull(schema) : schema,
    };

    /// <summary>A reference to the component schema <paramref name="name"/>.</summary>
    public static JsonObject Ref(string name) => new() { ["$ref"] = "#/components/schemas/" + name };

    /// <summary>The component schema name of problems with <paramref name="status"/>.</summary>
    public static string ProblemWithStatus(int status) => Problem + status.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Every component schema, freshly built (a node belongs to one document).</summary>
    public static JsonObject Components()
    {
        var limits = new RequestLimitsOptions();
        var schemas = new JsonObject
        {
            [ClassifyRequest] = ClassifyRequestSchema(limits),
            [ClassifyResponse] = Export(typeof(ClassifyResponse), FunctionsJson.Options),
            [ModelList] = Object(("models", Array(Export(typeof(ModelSummary), FunctionsJson.Options)))),
            [ModelDetails] = Export(typeof(ModelDetails), FunctionsJson.Options),
            [PublishRequest] = Object(("source", Text("The blob folder holding the package, container/prefix/, e.g. uploads/my-model/."))),
            [PublishedVersion] = Export(typeof(PublishedVersion), FunctionsJson.Options),
            [AliasRequest] = Object(("version", Text("The version number the alias points to, e.g. \"3\".", "^[0-9]+$"))),
            [AliasResponse] = Object(("model", Text("The model.")), ("alias", Text("The alias.")), ("version", Text("The version it points to."))),
            [TrainingRequest] = TrainingRequestSchema(),
            [TrainingAccepted] = Export(typeof(TrainingRunAccepted), FunctionsJson.Options),
            [TrainingRun] = Export(typeof(TrainingRunView), FunctionsJson.Options),
            [TrainingRunList] = Object(("runs", Array(Ref(TrainingRun)))),
            [ApproveRequest] = Object(("approved", new JsonObject { ["type"] = "boolean", ["description"] = "true moves production to the candidate; false rejects it." })),
            [Health] = new JsonObject
            {
                ["type"] = "object",
                ["properties"] = new JsonObject
                {
                    ["status"] = new JsonObject { ["const"] = "ready" },
                    ["models"] = Array(Export(typeof(LoadedModelInfo), FunctionsJson.Options)),
                    ["unservable"] = Array(Export(typeof(UnservableModelInfo), FunctionsJson.Options)),
                },
            },
            [Liveness] = Object(("status", new JsonObject { ["const"] = "alive" })),
            [Problem] = ProblemSchema(),
        };

        foreach (var status in ProblemTypes.All.Select(p => p.Status).Distinct().Order())
        {
            schemas[ProblemWithStatus(status)] = new JsonObject
            {
                ["allOf"] = new JsonArray(Ref(Problem)),
                ["properties"] = new JsonObject
                {
                    ["type"] = new JsonObject { ["enum"] = Strings(ProblemTypes.All.Where(p => p.Status == status).Select(p => p.Type)) },
                    ["status"] = new JsonObject { ["const"] = status },
                },
            };
        }

        return schemas;
    }

    private static JsonObject ClassifyRequestSchema(RequestLimitsOptions limits) => new()
    {
        ["type"] = "object",
        ["description"] = "Send \"texts\" or \"text\".",
        ["properties"] = new JsonObject
        {
            ["texts"] = new JsonObject
            {
                ["type"] = "array",
                ["items"] = new JsonObject { ["type"] = "string", ["minLength"] = 1 },
                ["minItems"] = 1,
                ["maxItems"] = limits.MaxTexts,
                ["description"] = $"The texts to classify (at most {limits.MaxTexts} by default; configurable).",
            },
            ["text"] = new JsonObject { ["type"] = "string", ["minLength"] = 1, ["description"] = "One text to classify." },
            ["model"] = Text("Model name; default from configuration.", ModelNames.Pattern),
            ["version"] = new JsonObject
            {
                ["type"] = new JsonArray("string", "integer"),
                ["description"] = "A version number or an alias; default the alias production.",
            },
            ["topK"] = new JsonObject { ["type"] = "integer", ["minimum"] = 1, ["description"] = "Keep the k best labels; default all." },
            ["variant"] = new JsonObject
            {
                ["enum"] = Strings(ModelVariants.All),
                ["description"] = "The graph to run; default the model's app setting, else int8 when the version has it, else fp32.",
            },
            ["long"] = new JsonObject
            {
                ["enum"] = Strings(Enum.GetNames<LongTextMode>().Select(JsonNamingPolicy.CamelCase.ConvertName)),
                ["description"] = "Texts longer than the model's length: truncate (the default) or overlapping windows, probabilities pooled.",
            },
        },
        ["oneOf"] = new JsonArray(new JsonObject { ["required"] = new JsonArray("texts") }, new JsonObject { ["required"] = new JsonArray("text") }),
    };

    private static JsonNode TrainingRequestSchema()
    {
        // The body is deserialized into TrainingJob with its own options; only model and dataset are required.
        var schema = Export(typeof(TrainingJob), TrainingJob.JsonOptions);
        schema["required"] = new JsonArray("model", "dataset");
        if (schema["properties"]?["runId"] is JsonObject runId)
        {
            runId["pattern"] = TrainingJob.RunIdPattern;
            runId["description"] = "Optional client-chosen id that makes the POST idempotent.";
        }

        return schema;
    }

    private static JsonObject ProblemSchema() => new()
    {
        ["type"] = "object",
        ["description"] = "An RFC 9457 problem (application/problem+json).",
        ["required"] = new JsonArray("type", "title", "status"),
        ["properties"] = new JsonObject
        {
            ["type"] = new JsonObject { ["enum"] = Strings(ProblemTypes.All.Select(p => p.Type)), ["description"] = "Stable problem type URI." },
            ["title"] = new JsonObject { ["type"] = "string", ["description"] = "Stable short title of the type." },
            ["status"] = new JsonObject { ["type"] = "integer" },
            ["detail"] = new JsonObject { ["type"] = "string", ["description"] = "What went wrong, for a person." },
            ["instance"] = new JsonObject { ["type"] = "string", ["description"] = "The request path." },
            ["correlationId"] = new JsonObject { ["type"] = "string", ["description"] = "The invocation id, also in the logs." },
        },
    };

    private static JsonNode Export(Type type, JsonSerializerOptions options)
    {
        // The exporter needs a resolver; options that have not serialized anything yet may not have one.
        var withResolver = options.TypeInfoResolver is null
            ? new JsonSerializerOptions(options) { TypeInfoResolver = new DefaultJsonTypeInfoResolver() }
            : options;
        return JsonSchemaExporter.GetJsonSchemaAsNode(withResolver, type, s_exporter);
    }

    // A nullable number read with named literals exports as anyOf [number, "NaN"…] without null, though null is accepted.
    private static JsonNode WithNull(JsonNode schema)
    {
        if (schema is JsonObject { } node && node["anyOf"] is JsonArray any && !any.Any(a => a?["type"]?.GetValue<string>() == "null"))
        {
            any.Add(new JsonObject { ["type"] = "null" });
        }

        return schema;
    }

    private static JsonObject Object(params (string Name, JsonNode Schema)[] properties)
    {
        var map = new JsonObject();
        foreach (var (name, schema) in properties)
        {
            map[name] = schema;
        }

        return new JsonObject { ["type"] = "object", ["required"] = Strings(properties.Select(p => p.Name)), ["properties"] = map };
    }

    private static JsonObject Array(JsonNode items) => new() { ["type"] = "array", ["items"] = items };

    private static JsonObject Text(string description, string? pattern = null)
    {
        var schema = new JsonObject { ["type"] = "string", ["description"] = description };
        if (pattern is not null)
        {
            schema["pattern"] = pattern;
        }

        return schema;
    }

    private static JsonArray Strings(IEnumerable<string> values) => [.. values.Select(v => (JsonNode?)JsonValue.Create(v))];
}
