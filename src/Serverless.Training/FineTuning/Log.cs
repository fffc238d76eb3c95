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

    [LoggerMessage(EventId = 4100, Level = LogLevel.Error, Message = "Training run {RunId} failed: {Error}")]
    public static partial void Failed(ILogger logger, Exception exception, string runId, string error);

    [LoggerMessage(EventId = 4101, Level = LogLevel.Information, Message = "Parity over {Texts} validation texts: max |diff| {MaxDifference:G3}, {Mismatches} argmax mismatches")]
    public static partial void Parity(ILogger logger, int texts, double maxDifference, int mismatches);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Information, Message = "Training run {RunId} succeeded: test accuracy {Accuracy:F4}, macro-F1 {MacroF1:F4}")]
    public static partial void Succeeded(ILogger logger, string runId, double accuracy, double macroF1);

    [LoggerMessage(EventId = 4103, Level = LogLevel.Information, Message = "Fine-tuned: best epoch {BestEpoch} of {Epochs}, {Seconds:F0} s of training")]
    public static partial void FineTuned(ILogger logger, int bestEpoch, int epochs, double seconds);

    [LoggerMessage(EventId = 4104, Level = LogLevel.Information, Message = "Evaluated {Texts} test texts on {Device}: candidate macro-F1 {CandidateMacroF1:F4}; production version {ProductionVersion} macro-F1 {ProductionMacroF1}; skipped: {Skipped}")]
    public static partial void Evaluated(ILogger logger, int texts, string device, double candidateMacroF1, string? productionVersion, double? productionMacroF1, string? skipped);

    [LoggerMessage(EventId = 4105, Level = LogLevel.Information, Message = "Training run {RunId} already ended with status {Status} in an earlier attempt; it is not run again")]
    public static partial void AlreadyEnded(ILogger logger, string runId, string status);

    [LoggerMessage(EventId = 4106, Level = LogLevel.Warning, Message = "Training run {RunId} stopped: storage could not be used ({Error}); nothing was recorded, so a restarted trainer resumes it")]
    public static partial void StorageUnavailable(ILogger logger, Exception exception, string runId, string error);

    [LoggerMessage(EventId = 4107, Level = LogLevel.Warning, Message = "Reporting the outcome of training run {RunId} failed (attempt {Attempt} of {Attempts}); trying again in {Seconds} s")]
    public static partial void ReportRetried(ILogger logger, Exception exception, string runId, int attempt, int attempts, double seconds);

    [LoggerMessage(EventId = 4108, Level = LogLevel.Information, Message = "Mode {Mode}; max length {MaxLength}: {MaxLengthReason}; class weights {ClassWeights}: {ClassWeightsReason}; learning rates tried: {LearningRates}")]
    public static partial void Chose(ILogger logger, string mode, int maxLength, string maxLengthReason, bool classWeights, string classWeightsReason, string learningRates);

    [LoggerMessage(EventId = 4110, Level = LogLevel.Information, Message = "Kept {Mode}: {Reason}")]
    public static partial void Kept(ILogger logger, string mode, string reason);

    [LoggerMessage(EventId = 4111, Level = LogLevel.Information, Message = "Learning-rate trial {Trial} of {Trials} (rate {LearningRate}): validation {Metric} {Value:F4} at best epoch {BestEpoch}")]
    public static partial void Trial(ILogger logger, int trial, int trials, double learningRate, string metric, double value, int bestEpoch);
}
