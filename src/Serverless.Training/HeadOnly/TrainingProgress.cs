namespace Serverless.Training.HeadOnly;

/// <summary>Where a training run is: a stage name, the overall percent done (0–100), and a short human detail.</summary>
/// <param name="Stage">What the run is doing.</param>
/// <param name="Percent">Overall share done, 0–100.</param>
/// <param name="Detail">A short line for people.</param>
/// <param name="Done">Work done in this stage (texts embedded, fitting epochs), when the stage counts its work.</param>
/// <param name="Total">Work planned in this stage, when the stage counts its work.</param>
public sealed record TrainingProgress(string Stage, double Percent, string Detail, int? Done = null, int? Total = null);
