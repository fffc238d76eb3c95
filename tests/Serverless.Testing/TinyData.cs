using Serverless.Training.Data;

namespace Serverless.Testing;

/// <summary>Small ham/spam texts over the tiny models' vocabulary: spam texts carry spam keywords.</summary>
public static class TinyData
{
    private static readonly string[] s_ordinary = ["hello", "world", "good", "meeting", "tomorrow", "lunch", "report", "team", "project", "please", "thanks", "see"];

    /// <summary><paramref name="perClass"/> texts of each label, the same for the same <paramref name="seed"/>.</summary>
    public static LabelledDataset Create(int perClass = 30, int seed = 1)
    {
        var random = new Random(seed);
        var examples = new List<LabelledExample>();
        for (var i = 0; i < perClass; i++)
        {
            var words = Enumerable.Range(0, 3 + random.Next(4)).Select(_ => s_ordinary[random.Next(s_ordinary.Length)]).ToList();
            examples.Add(new LabelledExample(string.Join(' ', words), "ham"));
            for (var k = 0; k < 2; k++)
            {
                words.Insert(random.Next(words.Count + 1), TinyModels.SpamKeywords[random.Next(TinyModels.SpamKeywords.Count)]);
            }

            examples.Add(new LabelledExample(string.Join(' ', words) + " !", "spam"));
        }

        return new LabelledDataset("tiny.jsonl", new string('a', 64), examples);
    }
}
