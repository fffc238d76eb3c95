using System.CommandLine;

using Microsoft.Extensions.Configuration;

namespace Serverless.Trainer;

/// <summary>The trainer's commands: what runs in Azure, nothing else (the quick start and benchmarks are Serverless.Demo's).</summary>
internal static class TrainerCommandLine
{
    /// <summary>The root command.</summary>
    /// <param name="configure">Adds configuration sources after the environment's (tests give storage settings this way).</param>
    public static RootCommand Create(Action<IConfigurationBuilder>? configure = null) =>
        new("The training container's command line: runs one training job and reports it to storage.")
        {
            RunCommand.Create(configure),
        };
}
