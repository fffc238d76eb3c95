using Serverless.Packages;

namespace Serverless.Contracts.Tests;

public sealed class LocalFolderPathTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("local-folder-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Theory]
    [InlineData("model.onnx", "model.onnx")]
    [InlineData("onnx/model.onnx", "onnx/model.onnx")]
    [InlineData("step-000120/model.bin", "step-000120/model.bin")]
    [InlineData("plots/a..b.svg", "plots/a..b.svg")]
    public void Resolve_PlainRelativeName_IsThatFileInsideTheFolder(string name, string expected)
    {
        var path = LocalFolderPath.Resolve(_root, name);

        Assert.Equal(Path.Combine(_root, expected.Replace('/', Path.DirectorySeparatorChar)), path);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("../escaped.bin", "'..'")]
    [InlineData("a/../../escaped.bin", "'..'")]
    [InlineData("a/./b", "'.'")]
    [InlineData("/etc/escaped", "absolute")]
    [InlineData("a//b", "empty segment")]
    [InlineData("a/", "empty segment")]
    [InlineData("..\\escaped.bin", "backslash")]
    [InlineData("a\\b", "backslash")]
    [InlineData("a\u0000b", "control character")]
    [InlineData("a\nb", "control character")]
    [InlineData("c:escaped", "colon")]
    public void Resolve_PathTrick_IsRefusedSayingWhy(string name, string reason)
    {
        var error = Assert.Throws<InvalidDataException>(() => LocalFolderPath.Resolve(_root, name));

        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\0', error.Message);
    }

    [Fact]
    public void ForBlob_NameUnderThePrefix_MapsTheRestInsideTheFolder()
    {
        var path = LocalFolderPath.ForBlob(_root, "run-1/checkpoints/", "run-1/checkpoints/step-1/model.bin");

        Assert.Equal(Path.Combine(_root, "step-1", "model.bin"), path);
    }

    [Theory]
    [InlineData("run-1/checkpoints//tmp/escaped.bin")]
    [InlineData("run-1/checkpoints/../job.json")]
    [InlineData("run-1/checkpoints/")]
    [InlineData("run-2/checkpoints/latest.json")]
    public void ForBlob_NameThatIsNoPlainFileUnderThePrefix_IsRefused(string blobName)
    {
        Assert.Throws<InvalidDataException>(() => LocalFolderPath.ForBlob(_root, "run-1/checkpoints/", blobName));
    }
}
