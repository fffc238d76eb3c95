using System.Globalization;
using System.Text;

namespace Serverless.Benchmarks;

/// <summary>
/// One row of the engine benchmark's table. Null cells print as "–": a throughput row has no memory figure, a memory row
/// no throughput.
/// </summary>
/// <param name="Path">What was measured, e.g. "engine fp32 padded, bulk".</param>
/// <param name="Model">The model and where texts are cut, e.g. "MiniLM + head, 256".</param>
/// <param name="TextsPerSecond">Throughput over the 1,000 texts.</param>
/// <param name="Padding">Share of the token positions run that were padding.</param>
/// <param name="P50Milliseconds">Median latency of one call.</param>
/// <param name="P95Milliseconds">95th percentile latency of one call.</param>
/// <param name="ResidentMegabytes">Resident memory of the benchmark process.</param>
internal sealed record BenchmarkRow(
    string Path, string Model, double? TextsPerSecond = null, double? Padding = null,
    double? P50Milliseconds = null, double? P95Milliseconds = null, double? ResidentMegabytes = null);

/// <summary>
/// The engine benchmark's table: rows in the order they were added, each throughput also as a ratio to the reference row
/// (the first row whose path is <see cref="ReferencePath"/>). Other measurements add their rows with <see cref="Add"/>.
/// </summary>
internal sealed class BenchmarkTable(string referencePath)
{
    private readonly List<BenchmarkRow> _rows = [];

    /// <summary>The row whose throughput the ratio column divides by.</summary>
    public string ReferencePath { get; } = referencePath;

    /// <summary>The rows so far.</summary>
    public IReadOnlyList<BenchmarkRow> Rows => _rows;

    /// <summary>Appends a row.</summary>
    public void Add(BenchmarkRow row) => _rows.Add(row);

    /// <summary>Puts a row at <paramref name="index"/>, for a row measured after the ones it should precede.</summary>
    public void Insert(int index, BenchmarkRow row) => _rows.Insert(index, row);

    /// <summary>The table as Markdown.</summary>
    public string ToMarkdown()
    {
        var reference = _rows.FirstOrDefault(r => r.Path == ReferencePath)?.TextsPerSecond;
        var pathWidth = Math.Max(4, _rows.Max(r => r.Path.Length));
        var modelWidth = Math.Max(10, _rows.Max(r => r.Model.Length));
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture,
            $"| {"path".PadRight(pathWidth)} | {"model, cut".PadRight(modelWidth)} | texts/s | × ref | padding | p50 ms | p95 ms | RSS MB |");
        text.AppendLine(CultureInfo.InvariantCulture,
            $"|{new string('-', pathWidth + 2)}|{new string('-', modelWidth + 2)}|--------:|------:|--------:|-------:|-------:|-------:|");
        foreach (var row in _rows)
        {
            var ratio = row.TextsPerSecond / reference;
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {row.Path.PadRight(pathWidth)} | {row.Model.PadRight(modelWidth)} | {Cell(row.TextsPerSecond, "F1"),7} | {Cell(ratio, "F2"),5} | {Cell(row.Padding, "P1"),7} | {Cell(row.P50Milliseconds, "F1"),6} | {Cell(row.P95Milliseconds, "F1"),6} | {Cell(row.ResidentMegabytes, "F0"),6} |");
        }

        text.Append(CultureInfo.InvariantCulture, $"× ref: throughput relative to \"{ReferencePath}\".");
        return text.ToString();
    }

    private static string Cell(double? value, string format) =>
        value is { } v && double.IsFinite(v) ? v.ToString(format, CultureInfo.InvariantCulture) : "–";
}
