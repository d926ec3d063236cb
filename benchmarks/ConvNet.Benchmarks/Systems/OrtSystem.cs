using System;
using System.IO;
using ConvNet;
using Microsoft.ML.OnnxRuntime;

namespace ConvNet.Benchmarks;

/// <summary>
/// ONNX Runtime on the CPU with the same weights: one session per workload, graph optimisations all on, IntraOpNumThreads
/// equal to the workload's thread count, and input and output bound once to pinned managed arrays through an
/// IOBinding, so a run allocates nothing and copies nothing on the managed side.
/// </summary>
/// <remarks>The model comes from the runtime library's <see cref="OnnxExport"/>, whose batch dimension is the symbolic
/// <c>N</c>; the session fixes N to the workload's batch size, so ORT plans every shape ahead as for a fixed-shape model,
/// which is the fairest setting for it.</remarks>
internal sealed class OrtInference : IInference
{
    private readonly InferenceSession _session;
    private readonly OrtValue _input, _output;
    private readonly OrtIoBinding _binding;
    private readonly RunOptions _runOptions = new();
    private readonly float[] _scores;

    // Names OnnxExport gives the graph's input, output and batch dimension.
    private const string InputName = "input", OutputName = "output", BatchDimension = "N";

    public OrtInference(Workload w)
    {
        using var model = new MemoryStream();
        OnnxExport.Save(w.Prototype, model);
        using var options = new SessionOptions
        {
            IntraOpNumThreads = w.Threads,
            // One operator at a time, as in the other systems; only the inside of each operator is parallel.
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        options.AddFreeDimensionOverrideByName(BatchDimension, w.BatchSize);
        _session = new InferenceSession(model.ToArray(), options);
        var shape = w.Prototype.InputShape;
        _input = OrtValue.CreateTensorValueFromMemory(w.Inputs, [w.BatchSize, shape.Channels, shape.Height, shape.Width]);
        _scores = new float[w.BatchSize * w.Prototype.OutputLength];
        _output = OrtValue.CreateTensorValueFromMemory(_scores, [w.BatchSize, w.Prototype.OutputLength]);
        _binding = _session.CreateIoBinding();
        _binding.BindInput(InputName, _input);
        _binding.BindOutput(OutputName, _output);
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
