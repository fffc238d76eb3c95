using Microsoft.Azure.Functions.Worker;

namespace Serverless.LocalHost;

/// <summary>An HTTP trigger: the route template (without the host's route prefix) and the allowed methods.</summary>
/// <param name="ParameterName">The request parameter.</param>
/// <param name="Route">The route template; the function name when the attribute sets none.</param>
/// <param name="Methods">Upper-case HTTP methods; empty for any.</param>
/// <param name="AuthLevel">The attribute's authorization level (not enforced locally: the host listens on loopback only).</param>
public sealed record HttpFunctionTrigger(string ParameterName, string Route, IReadOnlyList<string> Methods, AuthorizationLevel AuthLevel)
    : FunctionTrigger(ParameterName)
{
    /// <inheritdoc />
    public override string BindingType => "httpTrigger";

    /// <inheritdoc />
    public override string ToString() => $"[{(Methods.Count == 0 ? "*" : string.Join(",", Methods))}] {Route}";
}
