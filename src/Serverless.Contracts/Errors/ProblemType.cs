namespace Serverless.Errors;

/// <summary>
/// One kind of RFC 9457 problem the service answers with: a stable slug (the end of the problem's <see cref="Type"/> URI),
/// a stable short title and the HTTP status. Every one is listed in <see cref="ProblemTypes"/>.
/// </summary>
/// <param name="Slug">The stable identifier, e.g. <c>empty-texts</c>.</param>
/// <param name="Title">The stable short title, e.g. <c>No texts</c>.</param>
/// <param name="Status">The HTTP status of the problem (also when it is sent in a queue error result).</param>
public sealed record ProblemType(string Slug, string Title, int Status)
{
    /// <summary>The problem type URI, the <c>type</c> member of the problem document.</summary>
    public string Type => ServiceException.TypePrefix + Slug;
}
