namespace Serverless.Errors;

/// <summary>400: the request is malformed, has wrong types, or asks for something that cannot be done.</summary>
public sealed class InvalidRequestException(string detail, ProblemType? problem = null)
    : ServiceException(WithStatus(problem ?? ProblemTypes.InvalidRequest, 400), detail);
