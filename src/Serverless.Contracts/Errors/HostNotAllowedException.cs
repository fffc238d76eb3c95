namespace Serverless.Errors;

/// <summary>403: the request names a host the server does not answer for (DNS rebinding protection of the loopback-only local host).</summary>
public sealed class HostNotAllowedException(string detail)
    : ServiceException(ProblemTypes.HostNotAllowed, detail);
