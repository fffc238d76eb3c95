namespace Serverless.Functions.Observability;

/// <summary>What became of one queue message.</summary>
public enum QueueOutcome
{
    /// <summary>Classified and answered.</summary>
    Processed,

    /// <summary>A redelivered id, answered from the stored result.</summary>
    Replayed,

    /// <summary>Permanently bad: answered with an error result, not retried.</summary>
    Rejected,

    /// <summary>A transient failure: left for the platform to retry.</summary>
    Retried,

    /// <summary>A transient failure on the last attempt: answered with an error result, then sent to the poison queue.</summary>
    Poisoned,

    /// <summary>Delivered more often than allowed (the host stopped during the last attempt): answered with an error result and completed.</summary>
    GaveUp,
}
