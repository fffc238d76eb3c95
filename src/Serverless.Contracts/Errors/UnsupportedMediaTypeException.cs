namespace Serverless.Errors;

/// <summary>415: the request carries a body that is not <c>application/json</c>.</summary>
public sealed class UnsupportedMediaTypeException(string detail)
    : ServiceException(ProblemTypes.UnsupportedMediaType, detail);
