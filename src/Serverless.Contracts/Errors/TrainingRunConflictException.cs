namespace Serverless.Errors;

/// <summary>409: the request conflicts with the state of a training run (one already active, or in a state that forbids it).</summary>
public sealed class TrainingRunConflictException(string detail)
    : ServiceException(ProblemTypes.RunConflict, detail);
