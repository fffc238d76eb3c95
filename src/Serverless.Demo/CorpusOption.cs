using System.CommandLine;

using Serverless.Demo.Email;

namespace Serverless.Demo;

/// <summary>The <c>--corpus &lt;folder&gt;</c> option of the commands that read the SpamAssassin corpus.</summary>
internal static class CorpusOption
{
    /// <summary>A new option (each command holds its own instance).</summary>
    public static Option<DirectoryInfo> Create() => new Option<DirectoryInfo>("--corpus")
    {
        Description = "The SpamAssassin corpus's data folder (one subfolder per group: easy-ham-1, spam-2, …) " +
            $"[default: {SpamAssassinCorpus.RelativeDataDirectory} in the repository above the current directory].",
        HelpName = "folder",
    }.AcceptExistingOnly();
}
