using System.Text.Json.Nodes;

namespace Serverless.Functions.Http.OpenApi;

/// <summary>
/// The description of every HTTP function, keyed by function name. Routes, methods and auth levels are not here: the
/// document takes them from the functions' <c>[HttpTrigger]</c> attributes, and building it fails when a function has no
/// entry here or an entry names no function, so the two cannot drift apart.
/// </summary>
public static class OpenApiOperations
{
    private const string Classify = "classify";
    private const string Models = "models";
    private const string Training = "training";
    private const string Service = "service";

    /// <summary>The operations, keyed by function name.</summary>
    public static IReadOnlyDictionary<string, OpenApiOperation> ByFunction { get; } = new Dictionary<string, OpenApiOperation>(StringComparer.Ordinal)
    {
        ["Classify"] = new(Classify, "Classify one or many texts.", 200, "One result per text, in the order of the texts.",
            OpenApiSchemas.ClassifyResponse, [400, 404, 413, 415, 422, 429, 503])
        {
            RequestSchema = OpenApiSchemas.ClassifyRequest,
        },
        ["ListModels"] = new(Models, "List the models with their versions and aliases.", 200, "Every model in the registry.",
            OpenApiSchemas.ModelList, [503]),
        ["GetModel"] = new(Models, "Read one model: its versions with their manifests (metrics, lineage), and its aliases.", 200,
            "The model.", OpenApiSchemas.ModelDetails, [400, 404, 503]),
        ["PublishModelVersion"] = new(Models, "Publish a package from a blob folder as the model's next version.", 201,
            "The new version and its manifest.", OpenApiSchemas.PublishedVersion, [400, 409, 413, 415, 422, 503])
        {
            RequestSchema = OpenApiSchemas.PublishRequest,
            SuccessHeaders = new Dictionary<string, string> { ["Location"] = "The model (GET it to see the new version)." },
        },
        ["SetModelAlias"] = new(Models, "Point an alias at a version: promote or roll back.", 200, "The alias and the version it points at.",
            OpenApiSchemas.AliasResponse, [400, 404, 409, 413, 415, 503])
        {
            RequestSchema = OpenApiSchemas.AliasRequest,
        },
        ["StartTraining"] = new(Training, "Start a training run: train, evaluate, gate, publish.", 202,
            "The run was accepted; follow it at statusUrl.", OpenApiSchemas.TrainingAccepted, [400, 409, 413, 415, 503])
        {
            RequestSchema = OpenApiSchemas.TrainingRequest,
            OtherSuccesses = new Dictionary<int, string> { [200] = "The same runId with the same body: the existing run." },
            SuccessHeaders = new Dictionary<string, string> { ["Location"] = "The run's status URL (relative)." },
        },
        ["ListTraining"] = new(Training, "List recent training runs, newest first.", 200, "The runs.", OpenApiSchemas.TrainingRunList, [400, 503])
        {
            Query =
            [
                new("model", "Only the runs of this model.", new JsonObject { ["type"] = "string" }),
                new("top", "How many runs (1-100, default 50).", new JsonObject { ["type"] = "integer", ["minimum"] = 1, ["maximum"] = 100 }),
            ],
        },
        ["GetTraining"] = new(Training, "Read a training run: status, stage, progress, metrics, evaluation, result.", 200,
            "The run.", OpenApiSchemas.TrainingRun, [404, 503]),
        ["ApproveTraining"] = new(Training, "Approve or refuse a candidate awaiting approval.", 202, "The decision was sent to the run.",
            OpenApiSchemas.TrainingRun, [400, 404, 409, 413, 415, 503])
        {
            RequestSchema = OpenApiSchemas.ApproveRequest,
        },
        ["CancelTraining"] = new(Training, "Cancel a pending or running training run.", 202, "The run is being stopped; it ends Canceled.",
            OpenApiSchemas.TrainingRun, [404, 409, 503]),
        ["Health"] = new(Service, "Readiness: the loaded models and device.", 200, "At least one model is loaded.", OpenApiSchemas.Health, [503]),
        ["HealthLive"] = new(Service, "Liveness.", 200, "The process can answer.", OpenApiSchemas.Liveness, []),
        ["OpenApi"] = new(Service, "This OpenAPI document.", 200, "The OpenAPI 3.1 document of the HTTP API.", null, []),
    };
}
