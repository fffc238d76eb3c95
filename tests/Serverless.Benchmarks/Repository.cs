namespace Serverless.Benchmarks;

/// <summary>Locates the repository the benchmark belongs to.</summary>
internal static class Repository
{
    /// <summary>
    /// The folder holding Serverless.sln at or above the working directory, else above the benchmark's own build output;
    /// null when neither lies in the repository.
    /// </summary>
    public static DirectoryInfo? FindRoot() => FindAbove(Environment.CurrentDirectory) ?? FindAbove(AppContext.BaseDirectory);

    private static DirectoryInfo? FindAbove(string start)
    {
        var directory = new DirectoryInfo(start);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Serverless.sln")))
        {
            directory = directory.Parent;
        }

        return directory;
    }
}
