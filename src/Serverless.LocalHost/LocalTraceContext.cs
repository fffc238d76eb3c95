using System.Collections;
using System.Collections.Immutable;
using System.Diagnostics;
using System.Reflection;
using Azure.Storage.Queues.Models;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using TaskOrchestrationContext = Microsoft.DurableTask.TaskOrchestrationContext;

namespace Serverless.LocalHost;

internal sealed class LocalTraceContext(Activity? activity) : TraceContext
{
    public override string TraceParent { get; } = activity?.Id ?? string.Empty;

    public override string TraceState { get; } = activity?.TraceStateString ?? string.Empty;
}
