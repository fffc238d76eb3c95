namespace Serverless.Errors;

/// <summary>405: the route exists but not for this HTTP method.</summary>
public sealed class MethodNotAllowedException(string detail)
    : ServiceException(ProblemTypes.MethodNotAllowed, detail);
