namespace Serverless;

/// <summary>
/// The repository root: the nearest folder at or above a start that holds <see cref="SolutionFile"/>. The services never
/// need it; the SpamAssassin demo reader and the tests find their files from it.
/// </summary>
public static class SolutionRoot
{
    /// <summary>The file that marks the repository root.</summary>
    public const string SolutionFile = "Serverless.sln";

    /// <summary>The repository root at or above <paramref name="start"/>; null when no folder up to the file system's root holds <see cref="SolutionFile"/>.</summary>
    public static string? FindAbove(string start)
    {
        ArgumentNullException.ThrowIfNull(start);
        for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, SolutionFile)))
            {
                return directory.FullName;
            }
        }

        return null;
    }
}
