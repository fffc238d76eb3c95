using System.Collections;
using System.Collections.Immutable;
using System.Diagnostics;
using System.Reflection;
using Azure.Storage.Queues.Models;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using TaskOrchestrationContext = Microsoft.DurableTask.TaskOrchestrationContext;

namespace Serverless.LocalHost;

internal sealed class LocalBindingMetadata(string name, string type, BindingDirection direction) : BindingMetadata
{
    public override string Name => name;

    public override string Type => type;

    public override BindingDirection Direction => direction;
}
