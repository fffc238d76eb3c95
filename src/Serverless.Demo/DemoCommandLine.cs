using System.CommandLine;

namespace Serverless.Demo;

/// <summary>The demo's commands: development tooling that never ships in the trainer image.</summary>
internal static class DemoCommandLine
{
    /// <summary>The root command.</summary>
    public static RootCommand Create() =>
        new("Demo and development tooling: the quick-start models and the training quality benchmark.")
        {
            QuickStartCommand.Create(),
            QualityCommand.Create(),
        };
}
