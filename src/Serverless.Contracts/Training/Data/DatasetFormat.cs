namespace Serverless.Training.Data;

/// <summary>Formats a dataset can have.</summary>
public enum DatasetFormat
{
    /// <summary>One JSON object per line (.jsonl, .ndjson).</summary>
    JsonLines,

    /// <summary>RFC 4180 CSV with a header row (.csv).</summary>
    Csv,
}
