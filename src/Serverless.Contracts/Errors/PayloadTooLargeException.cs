namespace Serverless.Errors;

/// <summary>413: too many texts or too large a body.</summary>
public sealed class PayloadTooLargeException(string detail)
    : ServiceException(ProblemTypes.PayloadTooLarge, detail);
