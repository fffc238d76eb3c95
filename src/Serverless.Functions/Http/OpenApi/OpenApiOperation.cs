namespace Serverless.Functions.Http.OpenApi;

/// <summary>
/// What the OpenAPI document says about one HTTP function beyond its route, method and auth level (which come from the
/// function's own <c>[HttpTrigger]</c>): a summary, the request body, the success response and the problem statuses.
/// </summary>
/// <param name="Tag">The group the operation is listed under.</param>
/// <param name="Summary">One line saying what the operation does.</param>
/// <param name="SuccessStatus">The status of a successful answer.</param>
/// <param name="SuccessDescription">What a successful answer means.</param>
/// <param name="ResponseSchema">Component schema of the success body, or null for none described.</param>
/// <param name="ErrorStatuses">Statuses of the problem+json answers the operation gives besides 500 (which every one may).</param>
public sealed record OpenApiOperation(
    string Tag,
    string Summary,
    int SuccessStatus,
    string SuccessDescription,
    string? ResponseSchema,
    IReadOnlyList<int> ErrorStatuses)
{
    /// <summary>Component schema of the JSON request body, or null when the operation takes none.</summary>
    public string? RequestSchema { get; init; }

    /// <summary>Other statuses a successful call can answer with, and what they mean (e.g. 200 for a repeated idempotent POST).</summary>
    public IReadOnlyDictionary<int, string> OtherSuccesses { get; init; } = new Dictionary<int, string>();

    /// <summary>Query parameters: name, description and JSON schema.</summary>
    public IReadOnlyList<OpenApiQueryParameter> Query { get; init; } = [];

    /// <summary>Response headers of the success answer (e.g. Location) and what they carry.</summary>
    public IReadOnlyDictionary<string, string> SuccessHeaders { get; init; } = new Dictionary<string, string>();
}
