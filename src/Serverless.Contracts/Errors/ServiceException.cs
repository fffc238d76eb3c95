namespace Serverless.Errors;

/// <summary>
/// A failure the caller can act on. Every one maps to an RFC 9457 problem of one of the <see cref="ProblemTypes"/>, with
/// a stable <see cref="Type"/> and <see cref="Title"/>, an HTTP status, and a human <see cref="Exception.Message"/> (the
/// problem's detail).
/// </summary>
public abstract class ServiceException(ProblemType problem, string detail, Exception? inner = null)
    : Exception(Bounded(detail), inner)
{
    /// <summary>The longest detail a problem carries; a longer one is cut, so an error never grows with its input.</summary>
    public const int MaxDetailLength = 1_000;

    /// <summary>Prefix of every problem type URI.</summary>
    public const string TypePrefix = "urn:serverless:problem:";

    /// <summary>The kind of problem.</summary>
    public ProblemType Problem { get; } = problem;

    /// <summary>Stable problem type URI.</summary>
    public string Type => Problem.Type;

    /// <summary>Stable short title.</summary>
    public string Title => Problem.Title;

    /// <summary>HTTP status code.</summary>
    public int Status => Problem.Status;

    /// <summary>Seconds after which a retry may succeed (429 and 503), else null.</summary>
    public virtual int? RetryAfterSeconds => null;

    /// <summary>True when the same request may succeed later (busy, unavailable); false when it never will.</summary>
    public bool IsTransient => Status is 429 or >= 500;

    private static string Bounded(string detail) => detail.Length <= MaxDetailLength ? detail : detail[..(MaxDetailLength - 1)] + "…";

    /// <summary><paramref name="problem"/>, or an <see cref="ArgumentException"/> when its status is not <paramref name="status"/>.</summary>
    private protected static ProblemType WithStatus(ProblemType problem, int status) =>
        problem.Status == status ? problem
        : throw new ArgumentException($"Problem type '{problem.Slug}' has status {problem.Status}, not {status}.", nameof(problem));
}
