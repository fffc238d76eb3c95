using Serverless.Training;

namespace Serverless.Functions.Training;

/// <summary>The evaluation part of the status document.</summary>
public sealed record TrainingEvaluationView(
    string Split, string Device, int Texts, EvaluationScores Candidate, ProductionScores? Production, string? ProductionSkipped, string? Gate);
