namespace Serverless.Inference;

/// <summary>The configured inference device cannot be used (for example, Device is cuda and CUDA cannot load).</summary>
public sealed class InferenceDeviceException(string message, Exception? inner = null) : InvalidOperationException(message, inner);
