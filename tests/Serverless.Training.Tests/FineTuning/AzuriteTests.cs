using Serverless.Testing;

namespace Serverless.Training.Tests.FineTuning;

[CollectionDefinition(AzuriteCollection.Name)]
public sealed class AzuriteTests : AzuriteCollection;
