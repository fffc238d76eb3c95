namespace Serverless.Errors;

/// <summary>409: a queue message reuses the id of an answered message with a different request; it is never retried.</summary>
public sealed class IdConflictException(string detail)
    : ServiceException(ProblemTypes.IdConflict, detail);
