namespace Serverless.Training;

/// <summary>Where a fine-tuning run stands; reported after every step and after each epoch's validation.</summary>
/// <param name="Epoch">The current epoch, 1-based.</param>
/// <param name="Epochs">The number of epochs planned.</param>
/// <param name="Step">Optimisation steps done so far, over all epochs.</param>
/// <param name="Steps">Optimisation steps planned over all epochs.</param>
/// <param name="Loss">Mean training loss of the current epoch so far.</param>
/// <param name="ValidationAccuracy">Accuracy on the validation split after the latest finished epoch.</param>
/// <param name="ValidationMacroF1">Macro-F1 on the validation split after the latest finished epoch.</param>
public sealed record FineTuningProgress(
    int Epoch,
    int Epochs,
    int Step,
    int Steps,
    double Loss,
    double? ValidationAccuracy = null,
    double? ValidationMacroF1 = null);
