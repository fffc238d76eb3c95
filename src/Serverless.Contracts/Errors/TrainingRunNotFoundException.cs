namespace Serverless.Errors;

/// <summary>404: no training run has this id.</summary>
public sealed class TrainingRunNotFoundException(string detail)
    : ServiceException(ProblemTypes.RunNotFound, detail);
