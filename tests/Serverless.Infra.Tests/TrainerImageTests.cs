using System.Xml.Linq;

namespace Serverless.Infra.Tests;

/// <summary>
/// infra/Dockerfile.trainer copies only what the trainer is built from: every project it references, and never the demo
/// (quick start, quality benchmark, corpus reader) or the tests.
/// </summary>
public sealed class TrainerImageTests
{
    private const string Dockerfile = "infra/Dockerfile.trainer";

    [Fact]
    public void Dockerfile_CopiesEveryProjectTheTrainerReferences()
    {
        var copied = CopiedSources();

        var projects = ProjectClosure("src/Serverless.Trainer/Serverless.Trainer.csproj");

        Assert.Contains("src/Serverless.Cli", projects);
        Assert.All(projects, project => Assert.Contains(project + "/", copied));
    }

    [Fact]
    public void Dockerfile_CopiesNeitherTheDemoNorTheTestsNorTheWholeRepository()
    {
        var copied = CopiedSources();

        Assert.NotEmpty(copied);
        Assert.DoesNotContain(".", copied);
        Assert.DoesNotContain(copied, source => source.StartsWith("src/Serverless.Demo", StringComparison.Ordinal));
        Assert.DoesNotContain(copied, source => source.StartsWith("tests", StringComparison.Ordinal));
        Assert.DoesNotContain("src/Serverless.Demo", ProjectClosure("src/Serverless.Trainer/Serverless.Trainer.csproj"));
    }

    /// <summary>The sources of the build stage's COPY lines (not <c>COPY --from</c>), as written.</summary>
    private static HashSet<string> CopiedSources()
    {
        var lines = File.ReadAllLines(Path.Combine(BicepTests.RepositoryRoot, Dockerfile));
        return lines
            .Where(line => line.StartsWith("COPY ", StringComparison.Ordinal) && !line.StartsWith("COPY --from", StringComparison.Ordinal))
            .SelectMany(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1..^1])
            .ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>The folders (relative to the repository root) of a project and of every project it references, transitively.</summary>
    private static HashSet<string> ProjectClosure(string project)
    {
        var folders = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>([Path.Combine(BicepTests.RepositoryRoot, project)]);
        while (pending.TryPop(out var path))
        {
            var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
            if (!folders.Add(Path.GetRelativePath(BicepTests.RepositoryRoot, folder).Replace('\\', '/')))
            {
                continue;
            }

            foreach (var reference in XDocument.Load(path).Descendants("ProjectReference"))
            {
                pending.Push(Path.Combine(folder, reference.Attribute("Include")!.Value));
            }
        }

        return folders;
    }
}
