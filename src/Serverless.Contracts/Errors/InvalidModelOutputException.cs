namespace Serverless.Errors;

/// <summary>422: the model produced scores that are not finite numbers (NaN or infinity): the version is broken.</summary>
public sealed class InvalidModelOutputException(string detail)
    : ServiceException(ProblemTypes.InvalidModelOutput, detail);
