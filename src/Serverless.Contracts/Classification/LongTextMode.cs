namespace Serverless.Classification;

/// <summary>What classify does with a text longer than the model's maximum length (the request's <c>"long"</c>).</summary>
public enum LongTextMode
{
    /// <summary>Keep the first tokens that fit and flag the result truncated (the default).</summary>
    Truncate,

    /// <summary>
    /// Cut the text into overlapping windows of the model's length, run each window as its own row and pool the windows'
    /// probabilities per text.
    /// </summary>
    Windows,
}
