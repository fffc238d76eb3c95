using System.ComponentModel;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using Azure.Storage.Queues.Models;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Extensions.Abstractions;
using Microsoft.Azure.Functions.Worker.Http;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Serverless.LocalHost;

/// <summary>A function the local host cannot serve, and why (it is listed at start and otherwise left alone).</summary>
/// <param name="Name">The function name.</param>
/// <param name="Reason">What the local host lacks for it.</param>
public sealed record SkippedFunction(string Name, string Reason);
