namespace Serverless.Training.Data;

/// <summary>Validation rules and deterministic stratified splitting.</summary>
public static class DatasetSplitter
{
    /// <summary>
    /// Fewest examples a class needs in the training dataset: ten, so that an 80/10/10 split leaves at least one example of
    /// every class in validation and in test and several to learn from.
    /// </summary>
    public const int MinExamplesPerClass = 10;

    /// <summary>
    /// Validates the training dataset and builds the splits: validation and test are the given datasets, or are drawn,
    /// stratified by label, from <paramref name="train"/> with <paramref name="options"/>.
    /// </summary>
    /// <exception cref="DatasetException">A single class, too few examples of a class, or labels missing from training.</exception>
    public static DatasetSplits Prepare(LabelledDataset train, LabelledDataset? validation = null, LabelledDataset? test = null, SplitOptions? options = null)
    {
        options ??= SplitOptions.Default;
        ValidateTraining(train);
        var split = Split(
            train.Examples,
            options with
            {
                ValidationFraction = validation is null ? options.ValidationFraction : 0,
                TestFraction = test is null ? options.TestFraction : 0,
            },
            train.Source);
        var labels = DatasetStatistics.LabelsOf(split.Train).ToHashSet(StringComparer.Ordinal);
        foreach (var (name, dataset) in new[] { ("validation", validation), ("test", test) })
        {
            if (dataset is null)
            {
                continue;
            }

            var unknown = DatasetStatistics.LabelsOf(dataset.Examples).Where(l => !labels.Contains(l)).ToArray();
            if (unknown.Length > 0)
            {
                throw new DatasetException(
                    $"{dataset.Source}: the {name} data has labels the training data does not have: {string.Join(", ", unknown.Select(l => $"'{l}'"))}. " +
                    $"A model cannot predict labels it never saw: add examples of them to the training data or remove them from the {name} data.");
            }
        }

        var separate = new Dictionary<string, string>();
        if (validation is not null)
        {
            separate["validation"] = $"{validation.Source} (sha256 {validation.Sha256})";
        }

        if (test is not null)
        {
            separate["test"] = $"{test.Source} (sha256 {test.Sha256})";
        }

        return new DatasetSplits(split.Train, validation?.Examples ?? split.Validation, test?.Examples ?? split.Test, train.Source, train.Sha256)
        {
            SeparateSources = separate.Count == 0 ? null : separate,
        };
    }

    /// <summary>Checks that a training dataset has at least two classes and enough examples of each.</summary>
    /// <exception cref="DatasetException">It does not.</exception>
    public static void ValidateTraining(LabelledDataset dataset)
    {
        var counts = dataset.ClassCounts;
        if (counts.Count < 2)
        {
            throw new DatasetException(
                $"{dataset.Source}: every example has the label '{counts.Keys.Single()}'. A classifier needs at least two labels: add examples of the other classes.");
        }

        var scarce = counts.Where(kv => kv.Value < MinExamplesPerClass).ToArray();
        if (scarce.Length > 0)
        {
            throw new DatasetException(
                $"{dataset.Source}: too few examples of {string.Join(", ", scarce.Select(kv => $"'{kv.Key}' ({kv.Value})"))}. " +
                $"Every label needs at least {MinExamplesPerClass} examples so that training, validation and test each see it: add examples or merge rare labels.");
        }
    }

    /// <summary>
    /// Splits examples into train, validation and test, stratified by label: each class is shuffled with the seed and the
    /// fractions of it (rounded, at least one when the fraction is above zero) go to validation and test. Every split keeps
    /// the source order. Deterministic: the same examples and options always give the same split.
    /// </summary>
    /// <exception cref="DatasetException">A class is too small to give every split an example.</exception>
    public static DatasetSplits Split(IReadOnlyList<LabelledExample> examples, SplitOptions? options = null, string source = "dataset")
    {
        options ??= SplitOptions.Default;
        if (options.ValidationFraction is < 0 or >= 1 || options.TestFraction is < 0 or >= 1 ||
            options.ValidationFraction + options.TestFraction >= 1)
        {
            throw new DatasetException(
                $"Split fractions validation {options.ValidationFraction} and test {options.TestFraction} are invalid: each must be in [0, 1) and together below 1.");
        }

        var random = new Random(options.Seed);
        var train = new List<int>();
        var validation = new List<int>();
        var test = new List<int>();
        foreach (var group in examples.Select((e, i) => (e.Label, Index: i)).GroupBy(x => x.Label).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var indices = group.Select(x => x.Index).ToArray();
            random.Shuffle(indices);
            var testCount = Share(indices.Length, options.TestFraction);
            var validationCount = Share(indices.Length, options.ValidationFraction);
            if (indices.Length - testCount - validationCount < 1)
            {
                throw new DatasetException(
                    $"{source}: the label '{group.Key}' has {indices.Length} examples, too few to split into training, validation and test. Add examples of it.");
            }

            test.AddRange(indices.Take(testCount));
            validation.AddRange(indices.Skip(testCount).Take(validationCount));
            train.AddRange(indices.Skip(testCount + validationCount));
        }

        IReadOnlyList<LabelledExample> Pick(List<int> indices) => indices.Order().Select(i => examples[i]).ToArray();
        return new DatasetSplits(Pick(train), Pick(validation), Pick(test), source, string.Empty);
    }

    private static int Share(int count, double fraction) =>
        fraction <= 0 ? 0 : Math.Max(1, (int)Math.Round(count * fraction, MidpointRounding.AwayFromZero));
}
