namespace Serverless.Errors;

/// <summary>404: the model or version does not exist.</summary>
/// <param name="detail">What is missing, as the caller is told.</param>
/// <param name="missing">What was looked for, when the thrower knows it (see <see cref="Missing"/>).</param>
public sealed class ModelNotFoundException(string detail, MissingModel? missing = null)
    : ServiceException(ProblemTypes.ModelNotFound, detail)
{
    /// <summary>
    /// The model, version or alias that was looked for and not found, so a layer that knows how its callers create one
    /// (the HTTP API and its routes) can say so; null when the thrower does not say.
    /// </summary>
    public MissingModel? Missing { get; } = missing;
}
