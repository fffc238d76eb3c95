using System.Text.Json.Nodes;
using Serverless.Errors;
using Serverless.Packages;

namespace Serverless.Contracts.Tests;

public sealed class ModelPackageTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("package-").FullName;

    private static ModelPackageContent Content(IReadOnlyList<string>? labels = null) => new()
    {
        Model = [1, 2, 3, 4],
        Vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "hello", "world", "##s"],
        TokenizerConfig = new TokenizerConfig { ModelMaxLength = 16 },
        Config = new ModelConfig { MaxPositionEmbeddings = 32, VocabSize = 8, HiddenSize = 4 }.WithLabels(labels ?? ["ham", "spam"]),
        ExtraFiles = new Dictionary<string, byte[]> { ["card.md"] = "# card"u8.ToArray() },
        Metrics = new JsonObject { ["accuracy"] = 0.5 },
        Lineage = new Lineage { Base = "tiny@1" },
    };

    [Fact]
    public void Write_ThenOpen_ReturnsConfigAndVerifiedManifest()
    {
        var manifest = ModelPackageWriter.Write(_directory, Content());

        var package = ModelPackage.Open(_directory);

        Assert.Equal(["ham", "spam"], package.Config.LabelsInOrder());
        Assert.Equal(16, package.MaxLength);
        Assert.False(package.Config.IsBaseEncoder);
        Assert.Contains("model.onnx", manifest.Files.Keys);
        Assert.Contains("card.md", manifest.Files.Keys);
        Assert.DoesNotContain("manifest.json", manifest.Files.Keys);
        Assert.Equal(4, manifest.Files["model.onnx"].Size);
        Assert.Equal("tiny@1", package.Manifest.Lineage!.Base);
    }

    [Fact]
    public void Open_FileChangedAfterManifest_IsRefusedNamingTheFile()
    {
        ModelPackageWriter.Write(_directory, Content());
        File.WriteAllBytes(Path.Combine(_directory, "model.onnx"), [9, 9, 9, 9]);

        var error = Assert.Throws<InvalidModelPackageException>(() => ModelPackage.Open(_directory));

        Assert.Contains("model.onnx", error.Message, StringComparison.Ordinal);
        Assert.Contains("sha256", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("tokenizer.json")]
    [InlineData("vocab.txt")]
    [InlineData("model.onnx")]
    public void Open_ManifestOmittingARequiredFile_IsRefusedNamingIt(string omitted)
    {
        var manifest = ModelPackageWriter.Write(_directory, Content());
        // The file stays on disk; only the manifest forgets it, so a publish would upload the version without it.
        PackageJson.Write(Path.Combine(_directory, "manifest.json"),
            manifest with { Files = manifest.Files.Where(f => f.Key != omitted).ToDictionary() });

        var error = Assert.Throws<InvalidModelPackageException>(() => ModelPackage.Open(_directory));

        Assert.Contains($"does not list {omitted}", error.Message, StringComparison.Ordinal);
        Assert.Equal(422, error.Status);
    }

    [Fact]
    public void ReadVerifiedModel_FileSwappedAfterOpen_IsRefused()
    {
        ModelPackageWriter.Write(_directory, Content());
        var package = ModelPackage.Open(_directory);
        File.WriteAllBytes(package.ModelPath, [4, 3, 2, 1]);

        var error = Assert.Throws<InvalidModelPackageException>(package.ReadVerifiedModel);

        Assert.Contains("changed after it was verified", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_UnlistedModelBesideTheListedOne_LoadsTheListedOne()
    {
        var content = Content();
        ModelPackageWriter.Write(_directory, content with { Model = [], ExtraFiles = new Dictionary<string, byte[]> { ["onnx/model.onnx"] = [5, 6, 7] } });
        File.Delete(Path.Combine(_directory, "model.onnx"));
        ModelPackageWriter.WriteManifest(_directory, metrics: null, lineage: null);
        File.WriteAllBytes(Path.Combine(_directory, "model.onnx"), [6, 6, 6]);

        var package = ModelPackage.Open(_directory);

        Assert.Equal(Path.Combine(_directory, "onnx", "model.onnx"), package.ModelPath);
        Assert.Equal([5, 6, 7], package.ReadVerifiedModel());
    }

    [Fact]
    public void ReadVerifiedModel_UnchangedFile_ReturnsItsBytes()
    {
        ModelPackageWriter.Write(_directory, Content());

        Assert.Equal([1, 2, 3, 4], ModelPackage.Open(_directory).ReadVerifiedModel());
    }

    [Fact]
    public void Open_FileTruncated_IsRefusedForItsSize()
    {
        ModelPackageWriter.Write(_directory, Content());
        File.WriteAllBytes(Path.Combine(_directory, "model.onnx"), [1, 2]);

        var error = Assert.Throws<InvalidModelPackageException>(() => ModelPackage.Open(_directory));

        Assert.Contains("2 bytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_ManifestListingAFileOfASiblingFolderWithTheSameStart_IsRefused()
    {
        // "/tmp/package-x-secrets" starts with "/tmp/package-x": containment is by whole folder names, not by prefix.
        ModelPackageWriter.Write(_directory, Content());
        var sibling = Directory.CreateDirectory(_directory + "-secrets").FullName;
        try
        {
            File.WriteAllText(Path.Combine(sibling, "key.txt"), "secret");
            var manifestPath = Path.Combine(_directory, "manifest.json");
            var manifest = JsonNode.Parse(File.ReadAllText(manifestPath))!;
            manifest["files"]![$"../{Path.GetFileName(sibling)}/key.txt"] = new JsonObject
            {
                ["sha256"] = ModelPackage.Sha256Of(Path.Combine(sibling, "key.txt")),
                ["size"] = 6,
            };
            File.WriteAllText(manifestPath, manifest.ToJsonString());

            var error = Assert.Throws<InvalidModelPackageException>(() => ModelPackage.Open(_directory));

            Assert.Contains("'..'", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(sibling, recursive: true);
        }
    }

    [Fact]
    public void Write_LabelsWithQuotesMarkupAndLineBreaks_AreJsonStringsOfConfigJsonThatReadBackAsIs()
    {
        string[] labels = ["a\"b", "<script>alert(1)</script>", "back\\slash", "line\nbreak", "{\"x\":1}", "é ✓"];
        ModelPackageWriter.Write(_directory, Content(labels));

        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(_directory, "config.json")))!;

        Assert.Equal(labels, Enumerable.Range(0, labels.Length).Select(i => config["id2label"]![i.ToString(System.Globalization.CultureInfo.InvariantCulture)]!.GetValue<string>()));
        Assert.Equal(Enumerable.Range(0, labels.Length), labels.Select(l => config["label2id"]![l]!.GetValue<int>()));
        Assert.Equal(labels, ModelPackage.Open(_directory).Config.LabelsInOrder());
    }

    [Fact]
    public void Open_WithoutManifest_IsRefused()
    {
        ModelPackageWriter.Write(_directory, Content());
        File.Delete(Path.Combine(_directory, "manifest.json"));

        var error = Assert.Throws<InvalidModelPackageException>(() => ModelPackage.Open(_directory));

        Assert.Contains("manifest.json", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WriteManifest_MissingVocab_IsRefusedBeforeAnyManifestExists()
    {
        ModelPackageWriter.Write(_directory, Content());
        File.Delete(Path.Combine(_directory, "manifest.json"));
        File.Delete(Path.Combine(_directory, "vocab.txt"));

        Assert.Throws<InvalidModelPackageException>(() => ModelPackageWriter.WriteManifest(_directory, null, null));
        Assert.False(File.Exists(Path.Combine(_directory, "manifest.json")));
    }

    [Fact]
    public void TokenizerJson_HasBertNormalizerWordPieceAndSpecialTokenIds()
    {
        ModelPackageWriter.Write(_directory, Content());

        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(_directory, "tokenizer.json")))!;

        Assert.Equal("BertNormalizer", (string?)json["normalizer"]!["type"]);
        Assert.True((bool)json["normalizer"]!["lowercase"]!);
        Assert.Equal("WordPiece", (string?)json["model"]!["type"]);
        Assert.Equal(5, (int)json["model"]!["vocab"]!["hello"]!);
        Assert.Equal(2, (int)json["post_processor"]!["special_tokens"]!["[CLS]"]!["ids"]![0]!);
    }

    [Fact]
    public void LabelsInOrder_DuplicateId_IsRefused()
    {
        var config = new ModelConfig { Id2label = new Dictionary<string, string> { ["0"] = "a", ["2"] = "b" } };

        Assert.Throws<InvalidModelPackageException>(() => config.LabelsInOrder());
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}

public sealed class TokenizerConfigTests
{
    [Fact]
    public void ModelMaxLength_HuggingFaceNoLimitValue_IsReadAsIntMaxValue()
    {
        var config = System.Text.Json.JsonSerializer.Deserialize<TokenizerConfig>(
            """{"do_lower_case":true,"model_max_length":1000000000000000019884624838656}""", PackageJson.Options)!;

        Assert.Equal(int.MaxValue, config.ModelMaxLength);
    }
}
