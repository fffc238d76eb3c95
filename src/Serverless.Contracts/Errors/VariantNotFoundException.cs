namespace Serverless.Errors;

/// <summary>404: the version has no such variant (e.g. int8 asked of a version that has only fp32).</summary>
public sealed class VariantNotFoundException(string detail)
    : ServiceException(ProblemTypes.VariantNotFound, detail);
