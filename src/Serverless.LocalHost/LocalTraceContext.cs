using System.Diagnostics;
using Microsoft.Azure.Functions.Worker;

namespace Serverless.LocalHost;

internal sealed class LocalTraceContext(Activity? activity) : TraceContext
{
    public override string TraceParent { get; } = activity?.Id ?? string.Empty;

    public override string TraceState { get; } = activity?.TraceStateString ?? string.Empty;
}
