namespace Serverless.Training.Data;

/// <summary>One CSV record: its 1-based data row (the header is row 0), the line it starts on, and its fields.</summary>
public sealed record CsvRecord(int Row, int Line, IReadOnlyList<string> Fields);
