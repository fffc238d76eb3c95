namespace Serverless.Functions.Training.Runners;

/// <summary>Where a trainer execution stands, as its runner sees it.</summary>
public enum TrainerExecutionState
{
    /// <summary>Starting or running.</summary>
    Running,

    /// <summary>Exited normally (the run's own outcome is in status.json).</summary>
    Succeeded,

    /// <summary>Crashed or exited with an error.</summary>
    Failed,

    /// <summary>Stopped on request.</summary>
    Stopped,

    /// <summary>The runner does not know the execution (for example the host restarted and the child process is gone).</summary>
    Missing,
}
