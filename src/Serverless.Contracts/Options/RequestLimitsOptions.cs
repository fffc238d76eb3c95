using System.ComponentModel.DataAnnotations;

namespace Serverless.Options;

/// <summary>Request limits. Section "Serving:Limits".</summary>
public sealed class RequestLimitsOptions
{
    public const string Section = "Serving:Limits";

    /// <summary>Most texts in one request or queue message.</summary>
    [Range(1, 100_000)]
    public int MaxTexts { get; set; } = 256;

    /// <summary>Largest request body in bytes.</summary>
    [Range(1024, 100_000_000)]
    public int MaxRequestBytes { get; set; } = 1_048_576;
}
