using Microsoft.Extensions.Logging;

namespace Serverless.Training.FineTuning;

internal static partial class Log
{
    [LoggerMessage(EventId = 4000, Level = LogLevel.Information, Message = "Resuming from the checkpoint at epoch {Epoch}, step {StepInEpoch} (step {GlobalStep} overall)")]
    public static partial void Resumed(ILogger logger, int epoch, int stepInEpoch, int globalStep);

    [LoggerMessage(EventId = 4001, Level = LogLevel.Warning, Message = "The checkpoint belongs to different data or hyperparameters; training starts afresh")]
    public static partial void CheckpointIgnored(ILogger logger);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Information, Message = "Epoch {Epoch}/{Epochs}: loss {Loss:F4}, validation accuracy {Accuracy:F4}, macro-F1 {MacroF1:F4}")]
    public static partial void EpochDone(ILogger logger, int epoch, int epochs, double loss, double accuracy, double macroF1);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Information, Message = "Validation macro-F1 stopped improving after epoch {Epoch}; keeping epoch {BestEpoch}")]
    public static partial void StoppedEarly(ILogger logger, int epoch, int bestEpoch);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Debug, Message = "Checkpoint saved: epoch {Epoch}, step {StepInEpoch} ({GlobalStep} overall)")]
    public static partial void CheckpointSaved(ILogger logger, int epoch, int stepInEpoch, int globalStep);
}
