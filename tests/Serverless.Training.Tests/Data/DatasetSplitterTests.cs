using Serverless.Training.Data;

namespace Serverless.Training.Tests.Data;

public sealed class DatasetSplitterTests
{
    private static LabelledDataset Dataset(params (string Label, int Count)[] classes) => new(
        "train.jsonl",
        "abc",
        classes.SelectMany(c => Enumerable.Range(0, c.Count).Select(i => new LabelledExample($"{c.Label} text {i}", c.Label))).ToArray());

    [Fact]
    public void Prepare_DefaultOptions_SplitsEachClass80_10_10()
    {
        var splits = DatasetSplitter.Prepare(Dataset(("ham", 400), ("spam", 100)));

        Assert.Equal(320, splits.Train.Count(e => e.Label == "ham"));
        Assert.Equal(40, splits.Validation.Count(e => e.Label == "ham"));
        Assert.Equal(40, splits.Test.Count(e => e.Label == "ham"));
        Assert.Equal(80, splits.Train.Count(e => e.Label == "spam"));
        Assert.Equal(10, splits.Validation.Count(e => e.Label == "spam"));
        Assert.Equal(10, splits.Test.Count(e => e.Label == "spam"));
        Assert.Equal(500, splits.Train.Concat(splits.Validation).Concat(splits.Test).Select(e => e.Text).Distinct().Count());
        Assert.Equal(["ham", "spam"], splits.Labels);
        Assert.Equal("abc", splits.DatasetSha256);
    }

    [Fact]
    public void Prepare_SameSeed_GivesSameSplit_OtherSeed_GivesAnother()
    {
        var data = Dataset(("a", 50), ("b", 30), ("c", 20));

        var first = DatasetSplitter.Prepare(data, options: new SplitOptions(Seed: 7));
        var second = DatasetSplitter.Prepare(data, options: new SplitOptions(Seed: 7));
        var other = DatasetSplitter.Prepare(data, options: new SplitOptions(Seed: 8));

        Assert.Equal(first.Test, second.Test);
        Assert.Equal(first.Validation, second.Validation);
        Assert.Equal(first.Train, second.Train);
        Assert.NotEqual(first.Test, other.Test);
    }

    [Fact]
    public void Prepare_SmallestAllowedClass_GetsOneExampleInValidationAndTest()
    {
        var splits = DatasetSplitter.Prepare(Dataset(("a", 10), ("b", 13)));

        Assert.Equal(1, splits.Test.Count(e => e.Label == "a"));
        Assert.Equal(1, splits.Validation.Count(e => e.Label == "a"));
        Assert.Equal(8, splits.Train.Count(e => e.Label == "a"));
    }

    [Fact]
    public void Prepare_GivenTestData_DrawsOnlyValidationFromTraining()
    {
        var test = new LabelledDataset("test.jsonl", "def", [new LabelledExample("t", "a")]);

        var splits = DatasetSplitter.Prepare(Dataset(("a", 20), ("b", 20)), test: test);

        Assert.Equal(test.Examples, splits.Test);
        Assert.Equal(4, splits.Validation.Count);
        Assert.Equal(36, splits.Train.Count);
        Assert.Contains("test.jsonl", splits.SeparateSources!["test"], StringComparison.Ordinal);
    }

    [Fact]
    public void Prepare_SingleClass_SaysTwoLabelsAreNeeded()
    {
        var error = Assert.Throws<DatasetException>(() => DatasetSplitter.Prepare(Dataset(("only", 30))));

        Assert.Contains("every example has the label 'only'", error.Message, StringComparison.Ordinal);
        Assert.Contains("at least two labels", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Prepare_TooFewExamplesOfAClass_NamesTheClassAndTheMinimum()
    {
        var error = Assert.Throws<DatasetException>(() => DatasetSplitter.Prepare(Dataset(("a", 30), ("rare", 9))));

        Assert.Contains("'rare' (9)", error.Message, StringComparison.Ordinal);
        Assert.Contains($"at least {DatasetSplitter.MinExamplesPerClass} examples", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Prepare_LabelOnlyInTestData_IsRefused()
    {
        var test = new LabelledDataset("test.jsonl", "def", [new LabelledExample("t", "a"), new LabelledExample("u", "new")]);

        var error = Assert.Throws<DatasetException>(() => DatasetSplitter.Prepare(Dataset(("a", 20), ("b", 20)), test: test));

        Assert.Contains("test data has labels the training data does not have: 'new'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Split_KeepsSourceOrderWithinEachSplit()
    {
        var data = Dataset(("a", 30), ("b", 30)).Examples;

        var splits = DatasetSplitter.Split(data);

        foreach (var split in new[] { splits.Train, splits.Validation, splits.Test })
        {
            var positions = split.Select(e => data.ToList().IndexOf(e)).ToArray();
            Assert.Equal(positions.Order(), positions);
        }
    }
}
