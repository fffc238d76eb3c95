using Serverless.Training;

namespace Serverless.Functions.Training;

/// <summary>
/// The evaluation part of the status document; <paramref name="CandidateWindows"/> scores the candidate with long texts in
/// windows when the split has texts longer than its maximum length.
/// </summary>
public sealed record TrainingEvaluationView(
    string Split, string Device, int Texts, EvaluationScores Candidate, ProductionScores? Production, string? ProductionSkipped, string? Gate,
    WindowedScores? CandidateWindows = null);
