using Serverless.Training.Data;
using Serverless.Demo.Email;

namespace Serverless.Demo.Tests.Email;

public sealed class SpamAssassinCorpusTests
{
    [Theory]
    [InlineData("easy-ham-1", "ham")]
    [InlineData("hard-ham-1", "ham")]
    [InlineData("spam-2", "spam")]
    [InlineData("other", null)]
    public void LabelOf_Group_FollowsItsPrefix(string group, string? label)
    {
        Assert.Equal(label, SpamAssassinCorpus.LabelOf(group));
    }

    [Fact]
    public void LoadRaw_InstalledCorpus_Has6046MessagesWithTheDocumentedLabels()
    {
        var emails = SpamAssassinCorpus.LoadRaw(SpamAssassinCorpus.FindDataDirectory());

        Assert.Equal(6046, emails.Count);
        Assert.Equal(4150, emails.Count(e => e.Label == SpamAssassinCorpus.Ham));
        Assert.Equal(1896, emails.Count(e => e.Label == SpamAssassinCorpus.Spam));
    }

    [Fact]
    public void Load_SmallCorpusFolder_PreparesTextsLabelsAndHash()
    {
        var root = Directory.CreateTempSubdirectory("corpus-");
        try
        {
            Directory.CreateDirectory(Path.Combine(root.FullName, "easy-ham-1"));
            Directory.CreateDirectory(Path.Combine(root.FullName, "spam-1"));
            Directory.CreateDirectory(Path.Combine(root.FullName, "unlabelled"));
            File.WriteAllText(Path.Combine(root.FullName, "easy-ham-1", "1.txt"), "Subject: meeting\n\nSee you at 3.");
            File.WriteAllText(Path.Combine(root.FullName, "spam-1", "1.txt"), "Subject: WIN\nContent-Type: text/html\n\n<p>Cash now</p>");
            File.WriteAllText(Path.Combine(root.FullName, "spam-1", "1.json"), "{}");
            File.WriteAllText(Path.Combine(root.FullName, "unlabelled", "1.txt"), "Subject: x\n\ny");

            var dataset = SpamAssassinCorpus.Load(root.FullName);
            File.AppendAllText(Path.Combine(root.FullName, "spam-1", "1.txt"), "!");
            var changed = SpamAssassinCorpus.Load(root.FullName);

            Assert.Equal([new LabelledExample("meeting\n\nSee you at 3.", "ham"), new LabelledExample("WIN\n\nCash now", "spam")], dataset.Examples);
            Assert.Equal(64, dataset.Sha256.Length);
            Assert.NotEqual(dataset.Sha256, changed.Sha256);
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    [Fact]
    public void LoadRaw_MissingFolder_SaysToRunTheScripts()
    {
        var error = Assert.Throws<DatasetException>(() => SpamAssassinCorpus.LoadRaw("/nonexistent/corpus"));

        Assert.Contains("./run.sh or ./test.sh", error.Message, StringComparison.Ordinal);
    }
}
