namespace Serverless.Errors;

/// <summary>404: no function answers this path.</summary>
public sealed class RouteNotFoundException(string detail)
    : ServiceException(ProblemTypes.RouteNotFound, detail);
