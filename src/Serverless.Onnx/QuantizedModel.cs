namespace Serverless.Onnx;

/// <summary>The result of <see cref="DynamicInt8Quantizer.Quantize"/>.</summary>
/// <param name="Model">The quantized ONNX model.</param>
/// <param name="QuantizedMatMuls">How many weight MatMuls became DynamicQuantizeMatMul.</param>
/// <param name="FoldedBiases">How many bias Adds were folded into them.</param>
public sealed record QuantizedModel(byte[] Model, int QuantizedMatMuls, int FoldedBiases);
