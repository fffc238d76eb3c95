namespace Serverless.Testing;

/// <summary>The repository the tests run from: the folder holding Serverless.sln above the test's output folder.</summary>
public static class RepositoryRoot
{
    private static readonly Lazy<string> s_path = new(Find);

    /// <summary>Absolute path of the repository root.</summary>
    public static string Path => s_path.Value;

    private static string Find() => SolutionRoot.FindAbove(AppContext.BaseDirectory)
        ?? throw new InvalidOperationException($"No {SolutionRoot.SolutionFile} above {AppContext.BaseDirectory}: run the tests from the repository.");
}
