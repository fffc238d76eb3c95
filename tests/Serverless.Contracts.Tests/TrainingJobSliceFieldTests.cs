using Serverless.Errors;
using Serverless.Training;
using Serverless.Training.Data;

namespace Serverless.Contracts.Tests;

public sealed class TrainingJobSliceFieldTests
{
    [Fact]
    public void Parse_SliceField_IsReadAndPassedToTheDatasetFields()
    {
        var job = TrainingJob.Parse("{\"model\":\"m\",\"dataset\":\"d/x.jsonl\",\"textField\":\"body\",\"sliceField\":\"source\"}", "run-1");

        Assert.Equal(new DatasetFields("body", "label", "source"), DatasetFields.Of(job));
    }

    [Fact]
    public void Parse_WithoutSliceField_HasNone() =>
        Assert.Null(DatasetFields.Of(TrainingJob.Parse("{\"model\":\"m\",\"dataset\":\"d/x.jsonl\"}", "run-1")).SliceField);

    [Theory]
    [InlineData("\"\"")]
    [InlineData("\"text\"")]
    [InlineData("\"label\"")]
    public void Parse_SliceFieldEmptyOrTheTextOrLabelField_IsAnInvalidRequestNamingSliceField(string value)
    {
        var error = Assert.Throws<InvalidRequestException>(() => TrainingJob.Parse("{\"model\":\"m\",\"dataset\":\"d/x.jsonl\",\"sliceField\":" + value + "}", "run-1"));

        Assert.StartsWith("sliceField", error.Message, StringComparison.Ordinal);
    }
}
