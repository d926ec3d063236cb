using System;
using Microsoft.ML.OnnxRuntime;

namespace ConvNet.Benchmarks;

/// <summary>
/// ONNX Runtime on the CPU with the same weights: one session per workload, graph optimisations all on, IntraOpNumThreads
/// equal to the workload's thread count, and input and output bound once to pinned managed arrays through an
/// IOBinding, so a run allocates nothing and copies nothing on the managed side.
/// </summary>
internal sealed class OrtInference : IInference
{
    private readonly InferenceSession _session;
    private readonly OrtValue _input, _output;
    private readonly OrtIoBinding _binding;
    private readonly RunOptions _runOptions = new();
    private readonly float[] _scores;

    public OrtInference(Workload w)
    {
        var model = OnnxGraphBuilder.Build(w.Prototype, w.BatchSize);
        using var options = new SessionOptions
        {
            IntraOpNumThreads = w.Threads,
            // One operator at a time, as in the other systems; only the inside of each operator is parallel.
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        _session = new InferenceSession(model, options);
        var shape = w.Prototype.InputShape;
        _input = OrtValue.CreateTensorValueFromMemory(w.Inputs, [w.BatchSize, shape.Channels, shape.Height, shape.Width]);
        _scores = new float[w.BatchSize * w.Prototype.OutputLength];
        _output = OrtValue.CreateTensorValueFromMemory(_scores, [w.BatchSize, w.Prototype.OutputLength]);
        _binding = _session.CreateIoBinding();
        _binding.BindInput(OnnxGraphBuilder.InputName, _input);
        _binding.BindOutput(OnnxGraphBuilder.OutputName, _output);
    }

    public void Run() => _session.RunWithBinding(_runOptions, _binding);

    public float[] Scores() => (float[])_scores.Clone();

    public void Dispose()
    {
        _binding.Dispose();
        _input.Dispose();
        _output.Dispose();
        _runOptions.Dispose();
        _session.Dispose();
    }
}
