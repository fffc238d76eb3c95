namespace Serverless.Contracts.Tests;

public sealed class SolutionRootTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("solution-root-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void FindAbove_FolderBelowTheSolution_GivesTheNearestFolderWithTheSolutionFile()
    {
        var outer = Path.Combine(_root, "outer");
        var inner = Path.Combine(outer, "repo");
        var start = Directory.CreateDirectory(Path.Combine(inner, "tests", "bin", "Debug")).FullName;
        File.WriteAllText(Path.Combine(outer, SolutionRoot.SolutionFile), "");
        File.WriteAllText(Path.Combine(inner, SolutionRoot.SolutionFile), "");

        Assert.Equal(inner, SolutionRoot.FindAbove(start));
        Assert.Equal(inner, SolutionRoot.FindAbove(inner));
    }

    [Fact]
    public void FindAbove_NoSolutionFileAbove_IsNull()
    {
        var start = Directory.CreateDirectory(Path.Combine(_root, "a", "b")).FullName;

        // The temp folder lies outside the repository, so nothing above it holds the solution file.
        Assert.Null(SolutionRoot.FindAbove(start));
    }
}
