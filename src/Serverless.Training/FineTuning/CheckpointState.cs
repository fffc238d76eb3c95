namespace Serverless.Training.FineTuning;

/// <summary>What latest.json records: everything besides tensors that a resumed run needs to continue exactly.</summary>
internal sealed record CheckpointState
{
    /// <summary>Identifies the job, data and model a checkpoint belongs to; a different one is not resumed.</summary>
    public required string Fingerprint { get; init; }

    /// <summary>The folder holding this checkpoint's weights and optimizer state.</summary>
    public required string Folder { get; init; }

    /// <summary>The epoch to continue (0-based).</summary>
    public int Epoch { get; init; }

    /// <summary>Steps of <see cref="Epoch"/> already done.</summary>
    public int StepInEpoch { get; init; }

    /// <summary>Steps done over all epochs; the learning-rate schedule and the random state follow from it.</summary>
    public int GlobalStep { get; init; }

    /// <summary>The data order of <see cref="Epoch"/>.</summary>
    public required IReadOnlyList<int> Order { get; init; }

    public double EpochLossSum { get; init; }

    public IReadOnlyList<double> StepLosses { get; init; } = [];

    public IReadOnlyList<EpochSummary> Epochs { get; init; } = [];

    public int BestEpoch { get; init; }

    public double BestMacroF1 { get; init; } = -1;

    public int EpochsWithoutImprovement { get; init; }

    /// <summary>File name of the best epoch's weights, or null before the first validation.</summary>
    public string? BestWeights { get; init; }

    /// <summary>True once training has finished (the best weights are final).</summary>
    public bool Finished { get; init; }

    public bool StoppedEarly { get; init; }
}
