// Hand-written on purpose: four small static charts with the card's own styling and no dependency (OxyPlot.Core's SvgExporter could draw them, for one more package in the trainer image).
namespace Serverless.Training.Cards;

/// <summary>One line of a chart.</summary>
/// <param name="Name">Legend text.</param>
/// <param name="Points">(x, y) points in x order.</param>
public sealed record PlotSeries(string Name, IReadOnlyList<(double X, double Y)> Points);
