using System.ComponentModel.DataAnnotations;

namespace Serverless.Options;

/// <summary>Queue names and reply rules. Section "Queues".</summary>
public sealed class QueueOptions
{
    public const string Section = "Queues";

    /// <summary>Default names; the queue trigger reads them from the app settings ClassifyRequestsQueue / ClassifyResultsQueue.</summary>
    public const string DefaultRequests = "classify-requests";
    public const string DefaultResults = "classify-results";

    [Required]
    public string Results { get; set; } = DefaultResults;

    /// <summary>Queues a message may name in replyTo: exact names, or prefixes ending in '*'.</summary>
    public IList<string> ReplyToAllowList { get; set; } = [DefaultResults, DefaultResults + "-*"];

    /// <summary>Container for results too large for a queue message.</summary>
    [Required]
    public string ResultsContainer { get; set; } = "results";

    /// <summary>
    /// Days a stored result is kept and replayed to a redelivered id; older ones are recomputed. Infra gives the results
    /// container a lifecycle rule deleting blobs after the same number of days.
    /// </summary>
    [Range(1, 3650)]
    public int ResultRetentionDays { get; set; } = DefaultResultRetentionDays;

    /// <summary>The default of <see cref="ResultRetentionDays"/>.</summary>
    public const int DefaultResultRetentionDays = 7;

    /// <summary>Largest encoded message the queue accepts.</summary>
    [Range(1024, 65_536)]
    public int MaxMessageBytes { get; set; } = 65_536;
}
