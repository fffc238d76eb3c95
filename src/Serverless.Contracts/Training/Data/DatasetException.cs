namespace Serverless.Training.Data;

/// <summary>
/// A dataset cannot be used for training. The message names the file, the line or row, what is wrong and what to do.
/// </summary>
public sealed class DatasetException(string message) : Exception(message);
