using System.Text;

using Serverless.Training.Data;

namespace Serverless.Training.Tests.Data;

public sealed class DatasetLoaderTests
{
    private static LabelledDataset Jsonl(string text, DatasetFields? fields = null) =>
        DatasetLoader.Parse(Encoding.UTF8.GetBytes(text), "data.jsonl", DatasetFormat.JsonLines, fields);

    private static LabelledDataset Csv(string text, DatasetFields? fields = null) =>
        DatasetLoader.Parse(Encoding.UTF8.GetBytes(text), "data.csv", DatasetFormat.Csv, fields);

    [Fact]
    public void Parse_JsonLines_ReadsTextsAndLabelsAndSkipsBlankLines()
    {
        var dataset = Jsonl("{\"text\":\"hello\",\"label\":\"ham\"}\r\n\n{\"text\":\"win\",\"label\":1,\"extra\":true}\n");

        Assert.Equal([new LabelledExample("hello", "ham"), new LabelledExample("win", "1")], dataset.Examples);
        Assert.Equal(["1", "ham"], dataset.Labels);
    }

    [Fact]
    public void Parse_CustomFields_AreUsed()
    {
        var dataset = Jsonl("{\"body\":\"hello\",\"class\":\"a\"}", new DatasetFields("body", "class"));

        Assert.Equal("hello", dataset.Examples[0].Text);
        Assert.Equal("a", dataset.Examples[0].Label);
    }

    [Fact]
    public void Parse_Sha256_IsOfTheBytes()
    {
        var bytes = Encoding.UTF8.GetBytes("{\"text\":\"x\",\"label\":\"a\"}\n");

        var dataset = DatasetLoader.Parse(bytes, "d.jsonl", DatasetFormat.JsonLines);

        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)), dataset.Sha256);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("\n  \n", "empty")]
    [InlineData("{\"text\":\"a\",\"label\":\"x\"}\n{\"text\": \"b\", \"label\"\n", "line 2 is not valid JSON")]
    [InlineData("[1,2]", "line 1 is not a JSON object")]
    [InlineData("{\"text\":\"a\",\"label\":\"x\"}\n{\"label\":\"x\"}", "line 2: the text field 'text' is missing (fields present: label)")]
    [InlineData("{\"text\":\"a\"}", "line 1: the label field 'label' is missing")]
    [InlineData("{\"text\":\"  \",\"label\":\"x\"}", "line 1: the text field 'text' is empty")]
    [InlineData("{\"text\":5,\"label\":\"x\"}", "line 1: the text field 'text' is number, not a string")]
    [InlineData("{\"text\":\"a\",\"label\":\"\"}", "line 1: the label field 'label' is empty")]
    public void Parse_BadJsonLines_ThrowsSpecificError(string text, string expected)
    {
        var error = Assert.Throws<DatasetException>(() => Jsonl(text));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.StartsWith("data.jsonl", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_InvalidUtf8_SaysToSaveAsUtf8()
    {
        var error = Assert.Throws<DatasetException>(() => DatasetLoader.Parse(new byte[] { 0xff, 0xfe, 0x41 }, "d.csv", DatasetFormat.Csv));

        Assert.Contains("UTF-8", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_Csv_HandlesQuotesEscapedQuotesCommasAndMultiLineFields()
    {
        var csv = "\uFEFFproduct,review,score\r\n" +
                  "A1,\"Great, really \"\"great\"\"\",great\r\n" +
                  "\r\n" +
                  "A2,\"line one\nline two\",other\n" +
                  "A3,plain 5\" text,other";

        var dataset = Csv(csv, new DatasetFields("review", "score"));

        Assert.Equal(
            [new LabelledExample("Great, really \"great\"", "great"), new LabelledExample("line one\nline two", "other"), new LabelledExample("plain 5\" text", "other")],
            dataset.Examples);
    }

    [Theory]
    [InlineData("text,label\n\"open,a\n", "line 2: A quoted field at the end of the input ends without a closing quote.")]
    [InlineData("text,label\na,x\n\r\n\"a\nb\",y\n\"a\"b,x\n", "line 6: A delimiter, newline or EOF was expected after a closing quote.")]
    [InlineData("text,label\n\"a\"b,x\n", "write a quote inside a quoted field as two")]
    [InlineData("text,label\na,x\nb,y,z\n", "row 2 (line 3) has 3 fields but the header has 2")]
    [InlineData("review,score\na,x\n", "header: the text field 'text' is missing (fields present: review, score)")]
    [InlineData("text,score\na,x\n", "header: the label field 'label' is missing")]
    [InlineData("text,label\n\"a\nb\",x\n ,y\n", "row 2 (line 4): the text field 'text' is empty")]
    [InlineData("text,label\n", "empty")]
    public void Parse_BadCsv_ThrowsSpecificError(string text, string expected)
    {
        var error = Assert.Throws<DatasetException>(() => Csv(text));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FormatOf_UnknownExtension_SaysWhichFormatsWork()
    {
        var error = Assert.Throws<DatasetException>(() => DatasetLoader.FormatOf("data.xlsx"));

        Assert.Contains(".jsonl", error.Message, StringComparison.Ordinal);
        Assert.Equal(DatasetFormat.Csv, DatasetLoader.FormatOf("x/y.CSV"));
        Assert.Equal(DatasetFormat.JsonLines, DatasetLoader.FormatOf("x/y.jsonl"));
    }

    [Fact]
    public void Parse_LabelAtTheLengthLimit_IsKept()
    {
        var label = new string('x', DatasetLoader.MaxLabelLength);

        var dataset = Jsonl(JsonLine("a", label));

        Assert.Equal([label], dataset.Labels);
    }

    [Theory]
    [InlineData(DatasetFormat.JsonLines, "line 2")]
    [InlineData(DatasetFormat.Csv, "row 2 (line 3)")]
    public void Parse_LabelOverTheLengthLimit_IsRefusedNamingTheLineAndTheLimit(DatasetFormat format, string where)
    {
        var label = new string('x', DatasetLoader.MaxLabelLength + 1);
        var text = format == DatasetFormat.Csv
            ? $"text,label\na,ok\nb,{label}\n"
            : JsonLine("a", "ok") + "\n" + JsonLine("b", label);

        var error = Assert.Throws<DatasetException>(() => DatasetLoader.Parse(Encoding.UTF8.GetBytes(text), "data", format));

        Assert.Contains($"{where}: the label in field 'label' is 101 characters long; at most 100 are allowed", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_DistinctLabelsAtTheLimit_AreKept()
    {
        var dataset = Jsonl(string.Join('\n', Enumerable.Range(0, DatasetLoader.MaxLabels).Select(i => JsonLine("t", $"c{i}"))));

        Assert.Equal(DatasetLoader.MaxLabels, dataset.Labels.Count);
    }

    [Fact]
    public void Parse_MoreDistinctLabelsThanTheLimit_IsRefusedSayingHowMany()
    {
        var text = string.Join('\n', Enumerable.Range(0, DatasetLoader.MaxLabels + 1).Select(i => JsonLine("t", $"c{i}")));

        var error = Assert.Throws<DatasetException>(() => Jsonl(text));

        Assert.Contains("data.jsonl: the dataset has 1001 distinct labels; at most 1000 are allowed", error.Message, StringComparison.Ordinal);
    }

    private static readonly DatasetFields s_sliced = new(SliceField: "source");

    [Fact]
    public void Parse_JsonLinesWithSliceField_ReadsEachValueAndPutsMissingOrEmptyOnesInTheNoneSlice()
    {
        var dataset = Jsonl(
            "{\"text\":\"a\",\"label\":\"x\",\"source\":\" web \"}\n{\"text\":\"b\",\"label\":\"x\",\"source\":3}\n" +
            "{\"text\":\"c\",\"label\":\"x\"}\n{\"text\":\"d\",\"label\":\"x\",\"source\":null}\n{\"text\":\"e\",\"label\":\"x\",\"source\":\"\"}\n",
            s_sliced);

        Assert.Equal(["web", "3", DatasetFields.NoSlice, DatasetFields.NoSlice, DatasetFields.NoSlice], dataset.Examples.Select(e => e.Slice));
    }

    [Fact]
    public void Parse_WithoutSliceField_LeavesSlicesNull() =>
        Assert.Null(Jsonl("{\"text\":\"a\",\"label\":\"x\",\"source\":\"web\"}").Examples[0].Slice);

    [Fact]
    public void Parse_SliceFieldNoLineHas_IsADatasetErrorNamingTheField()
    {
        var error = Assert.Throws<DatasetException>(() => Jsonl("{\"text\":\"a\",\"label\":\"x\",\"src\":\"web\"}\n", s_sliced));

        Assert.Contains("no line has a value in the slice field 'source'", error.Message, StringComparison.Ordinal);
        Assert.Contains("sliceField", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_SliceValueThatIsAnObject_IsADatasetErrorNamingTheLine()
    {
        var error = Assert.Throws<DatasetException>(() => Jsonl("{\"text\":\"a\",\"label\":\"x\",\"source\":\"web\"}\n{\"text\":\"b\",\"label\":\"x\",\"source\":{\"k\":1}}\n", s_sliced));

        Assert.Equal("data.jsonl: line 2: the slice field 'source' is object; use a string, number or boolean.", error.Message);
    }

    [Fact]
    public void Parse_SliceValueLongerThanALabel_IsADatasetError()
    {
        var error = Assert.Throws<DatasetException>(() => Jsonl(JsonLine("a", "x")[..^1] + ",\"source\":\"" + new string('s', DatasetLoader.MaxLabelLength + 1) + "\"}", s_sliced));

        Assert.Contains("slice field 'source' is 101 characters long", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_CsvWithSliceColumn_ReadsItAndEmptyCellsAreTheNoneSlice()
    {
        var dataset = Csv("text,label,source\nhello,ham,web\nbye,spam,\n", s_sliced);

        Assert.Equal(["web", DatasetFields.NoSlice], dataset.Examples.Select(e => e.Slice));
    }

    [Fact]
    public void Parse_CsvWithoutTheSliceColumn_IsADatasetErrorListingTheColumns()
    {
        var error = Assert.Throws<DatasetException>(() => Csv("text,label\nhello,ham\n", s_sliced));

        Assert.Contains("the slice field 'source' is missing (fields present: text, label)", error.Message, StringComparison.Ordinal);
        Assert.Contains("set sliceField", error.Message, StringComparison.Ordinal);
    }

    private static string JsonLine(string text, string label) => System.Text.Json.JsonSerializer.Serialize(new { text, label });
}
