namespace Serverless.Training;

/// <summary>
/// training/{runId}/evaluation.json: the candidate and the version in production scored on the same test split by the
/// serving engine, written by the trainer (which holds the split) and read by the gate.
/// </summary>
/// <param name="Split">The split scored ("test").</param>
/// <param name="Device">Where the serving engine ran ("cpu" or "cuda").</param>
/// <param name="Texts">How many texts were scored.</param>
/// <param name="Candidate">The candidate's scores.</param>
/// <param name="Production">The production version's scores; null when it was not compared.</param>
/// <param name="ProductionSkipped">Why production was not compared (none exists, or its labels differ); null when it was.</param>
/// <param name="CandidateWindows">
/// The candidate's scores with long texts classified in windows, when some texts of the split are longer than its maximum
/// length; null when none is (then windows change nothing).
/// </param>
public sealed record TrainingEvaluation(
    string Split,
    string Device,
    int Texts,
    EvaluationScores Candidate,
    ProductionScores? Production,
    string? ProductionSkipped,
    WindowedScores? CandidateWindows = null);
