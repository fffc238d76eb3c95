namespace Serverless.Errors;

/// <summary>409: a concurrent change won; the caller may retry.</summary>
public sealed class ConflictException(string detail)
    : ServiceException(ProblemTypes.Conflict, detail);
