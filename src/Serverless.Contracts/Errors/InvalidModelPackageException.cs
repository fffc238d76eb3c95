namespace Serverless.Errors;

/// <summary>422: a model package is incomplete, corrupt, or does not match its manifest.</summary>
public sealed class InvalidModelPackageException(string detail)
    : ServiceException(ProblemTypes.InvalidModelPackage, detail);
