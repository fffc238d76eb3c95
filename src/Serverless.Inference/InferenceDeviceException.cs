using System.Globalization;

using Microsoft.Extensions.Logging;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

using Serverless.Errors;
using Serverless.Inference.Tokenization;
using Serverless.Options;
using Serverless.Packages;

namespace Serverless.Inference;

/// <summary>The configured inference device cannot be used (for example, Device is cuda and CUDA cannot load).</summary>
public sealed class InferenceDeviceException(string message, Exception? inner = null) : InvalidOperationException(message, inner);
