namespace Serverless.Options;

/// <summary>Where inference runs.</summary>
public enum InferenceDevice
{
    /// <summary>CUDA when it loads, else the CPU (with a warning saying why).</summary>
    Auto,

    /// <summary>The CPU execution provider.</summary>
    Cpu,

    /// <summary>The CUDA execution provider; failing to load it is a start-up error.</summary>
    Cuda,
}
