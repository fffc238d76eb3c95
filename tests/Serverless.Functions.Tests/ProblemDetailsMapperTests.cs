using Serverless.Errors;
using Serverless.Functions.Http;

namespace Serverless.Functions.Tests;

public sealed class ProblemDetailsMapperTests
{
    [Fact]
    public void DetailOf_MissingModelVersionOrAlias_AddsTheRouteBeforeTheFinalStop()
    {
        var model = new ModelNotFoundException("Model 'spam' does not exist: publish one first.", new MissingModel("spam"));
        var version = new ModelNotFoundException("Model 'spam' has no version 7: list its versions.", new MissingModel("spam", Version: "7"));
        var alias = new ModelNotFoundException("Model 'spam' has no alias 'canary'", new MissingModel("spam", Alias: "canary"));

        Assert.Equal("Model 'spam' does not exist: publish one first (POST /api/models/spam/versions).", ProblemDetailsMapper.DetailOf(model));
        Assert.Equal("Model 'spam' has no version 7: list its versions (GET /api/models/spam).", ProblemDetailsMapper.DetailOf(version));
        Assert.Equal("Model 'spam' has no alias 'canary' (PUT /api/models/spam/aliases/canary)", ProblemDetailsMapper.DetailOf(alias));
    }

    [Fact]
    public void DetailOf_BaseEncoderAskedToClassify_AddsTheTrainingRoute()
    {
        var error = new InvalidRequestException("Model 'minilm' version 1 is a base encoder: train a classifier with it as the base.", ProblemTypes.NotAClassifier);

        Assert.Equal("Model 'minilm' version 1 is a base encoder: train a classifier with it as the base (POST /api/training).", ProblemDetailsMapper.DetailOf(error));
    }

    [Fact]
    public void DetailOf_WithoutWhatIsMissing_IsTheMessage()
    {
        Assert.Equal("No such model.", ProblemDetailsMapper.DetailOf(new ModelNotFoundException("No such model.")));
        Assert.Equal("Send JSON.", ProblemDetailsMapper.DetailOf(new UnsupportedMediaTypeException("Send JSON.")));
    }

    [Fact]
    public void DetailOf_AMessageThatFillsTheBound_GoesOutWithoutTheRoute()
    {
        var error = new ModelNotFoundException(new string('x', ServiceException.MaxDetailLength), new MissingModel("spam"));

        Assert.Equal(error.Message, ProblemDetailsMapper.DetailOf(error));
    }

    [Fact]
    public void Map_ModelNotFound_IsA404WhoseDetailNamesTheRoute()
    {
        var response = ProblemDetailsMapper.Map(
            new ModelNotFoundException("Model 'spam' has no version 7.", new MissingModel("spam", Version: "7")), "/api/classify", "c-1");

        Assert.Equal(404, response.Status);
        Assert.Equal(ProblemTypes.ModelNotFound.Type, response.Body.Type);
        Assert.Equal("Model 'spam' has no version 7 (GET /api/models/spam).", response.Body.Detail);
    }
}
