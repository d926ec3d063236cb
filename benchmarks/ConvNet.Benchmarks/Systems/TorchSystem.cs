using System;
using System.Collections.Generic;
using System.Diagnostics;
using ConvNet;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ConvNet.Benchmarks;

/// <summary>Loads TorchSharp once per process, after patching its native library (see <see cref="TorchNativePatch"/>).</summary>
internal static class TorchSystem
{
    private static readonly Lazy<(bool Ok, string Detail, TimeSpan LoadTime)> s_load = new(Load);

    /// <summary>True when TorchSharp can run here; otherwise <paramref name="reason"/> says why, for the report.</summary>
    public static bool TryLoad(out string reason)
    {
        var r = s_load.Value;
        reason = r.Detail;
        return r.Ok;
    }

    /// <summary>The one-time cost of patching and loading the native libraries.</summary>
    public static TimeSpan LoadTime => s_load.Value.LoadTime;

    private static (bool, string, TimeSpan) Load()
    {
        var sw = Stopwatch.StartNew();
        string patch;
        try
        {
            patch = TorchNativePatch.Apply(AppContext.BaseDirectory);
        }
        catch (Exception e)
        {
            return (false, $"patching libLibTorchSharp.so failed: {e.GetType().Name}: {e.Message}", sw.Elapsed);
        }
        try
        {
            InitializeNative();
            return (true, patch, sw.Elapsed);
        }
        catch (Exception e)
        {
            var inner = e;
            while (inner.InnerException is not null) inner = inner.InnerException;
            return (false, $"TorchSharp did not load ({inner.GetType().Name}: {FirstLine(inner.Message)}); patch step: {patch}", sw.Elapsed);
        }
    }

    // Kept out of Load so the JIT resolves TorchSharp's types only inside the try block above.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static void InitializeNative()
    {
        InitializeDeviceType(DeviceType.CPU);
        using var probe = ones(2, 2);
        if (probe.sum().item<float>() != 4f) throw new InvalidOperationException("TorchSharp computed 1+1+1+1 wrongly.");
    }

    private static string FirstLine(string s) => s.Split('\n')[0].Trim();

    /// <summary>An nn.Sequential equal to the network's layer table, with its parameters copied in by tensor name.</summary>
    public static Sequential BuildModule(INetwork net)
    {
        var modules = new List<(string, nn.Module<Tensor, Tensor>)>();
        bool flat = false;
        foreach (var l in net.Layers)
        {
            switch (l.Kind)
            {
                case LayerKind.Conv:
                    modules.Add((l.Name, nn.Conv2d(l.Input.Channels, l.Output.Channels, l.Size, stride: l.Stride, padding: l.Pad)));
                    break;
                case LayerKind.MaxPool:
                    modules.Add((l.Name, nn.MaxPool2d(l.Size, l.Stride)));
                    break;
                case LayerKind.AvgPool:
                    modules.Add((l.Name, nn.AvgPool2d(l.Size, l.Stride)));
                    break;
                case LayerKind.FullyConnected:
                    // (N, C, H, W) -> (N, C*H*W): the C, H, W order ConvNet's FC weights assume.
                    if (!flat) modules.Add((l.Name + "_flatten", nn.Flatten()));
                    flat = true;
                    modules.Add((l.Name, nn.Linear(l.Input.Length, l.Output.Length)));
                    break;
                case LayerKind.Relu: modules.Add((l.Name, nn.ReLU())); break;
                case LayerKind.Sigmoid: modules.Add((l.Name, nn.Sigmoid())); break;
                case LayerKind.Tanh: modules.Add((l.Name, nn.Tanh())); break;
                default: throw new NotSupportedException($"No TorchSharp mapping for layer kind {l.Kind}.");
            }
        }
        var model = nn.Sequential(modules);
        var byName = new Dictionary<string, Parameter>();
        foreach (var (name, p) in model.named_parameters()) byName[name] = p;
        int copied = 0;
        using (no_grad())
        {
            foreach (var l in net.Layers)
                foreach (var t in l.Tensors)
                {
                    if (!byName.TryGetValue(t.Name, out var p))
                        throw new InvalidOperationException($"TorchSharp module has no parameter '{t.Name}'.");
                    var dims = new long[t.Dimensions.Count];
                    for (int i = 0; i < dims.Length; i++) dims[i] = t.Dimensions[i];
                    using var source = tensor(net.Parameters.AsSpan(t.Offset, t.Length).ToArray(), dims);
                    p.copy_(source);
                    copied++;
                }
        }
        if (copied != byName.Count) throw new InvalidOperationException($"Copied {copied} tensors into a module with {byName.Count}.");
        return model;
    }

    /// <summary>Gathers per-tensor data into ConvNet's flat layout, in layer order.</summary>
    public static float[] Flatten(INetwork net, Func<string, Tensor> tensorByName)
    {
        var flat = new float[net.Parameters.Length];
        foreach (var l in net.Layers)
            foreach (var t in l.Tensors)
                tensorByName(t.Name).data<float>().CopyTo(flat, t.Offset);
        return flat;
    }
}

/// <summary>TorchSharp inference under <c>torch.inference_mode()</c> on the workload's thread count.</summary>
internal sealed class TorchInference : IInference
{
    private readonly Sequential _model;
    private readonly Tensor _input;
    private readonly int _threads;
    private float[] _scores = [];

    public TorchInference(Workload w)
    {
        _threads = w.Threads;
        set_num_threads(_threads);
        _model = TorchSystem.BuildModule(w.Prototype);
        _model.eval();
        var shape = w.Prototype.InputShape;
        _input = tensor(w.Inputs, [w.BatchSize, shape.Channels, shape.Height, shape.Width]);
    }

    /// <summary>Sets TorchSharp's process-wide thread count back to this workload's, in case another instance changed it.</summary>
    public void Activate() => set_num_threads(_threads);

    public void Run()
    {
        using var mode = inference_mode();
        using var output = _model.call(_input);
    }

    public float[] Scores()
    {
        using var mode = inference_mode();
        using var output = _model.call(_input);
        _scores = output.data<float>().ToArray();
        return _scores;
    }

    public void Dispose()
    {
        _input.Dispose();
        _model.Dispose();
    }
}

/// <summary>A TorchSharp training step with nn modules: zero_grad, forward, cross_entropy, backward, SGD or Adam step.</summary>
internal sealed class TorchTrainer : ITrainer
{
    private readonly INetwork _shape;
    private readonly Sequential _model;
    private readonly Tensor _input, _labels;
    private readonly optim.Optimizer _optimizer;
    private readonly int _threads;

    public TorchTrainer(Workload w, TrainingOptimizer optimizer = TrainingOptimizer.Sgd)
    {
        _threads = w.Threads;
        set_num_threads(_threads);
        _shape = w.Prototype;
        _model = TorchSystem.BuildModule(w.Prototype);
        _model.train();
        var shape = w.Prototype.InputShape;
        _input = tensor(w.Inputs, [w.BatchSize, shape.Channels, shape.Height, shape.Width]);
        _labels = tensor(Array.ConvertAll(w.Labels, l => (long)l), [w.BatchSize]);
        _optimizer = optimizer == TrainingOptimizer.Adam
            ? optim.Adam(_model.parameters(), Workload.AdamLearningRate)
            : optim.SGD(_model.parameters(), Workload.LearningRate);
    }

    public void Activate() => set_num_threads(_threads);

    public float Step()
    {
        // Disposes every intermediate tensor of the step at once, so native memory does not pile up between GCs.
        using var scope = NewDisposeScope();
        _optimizer.zero_grad();
        var logits = _model.call(_input);
        var loss = nn.functional.cross_entropy(logits, _labels);
        loss.backward();
        _optimizer.step();
        return loss.item<float>();
    }

    public float[] Gradients()
    {
        var byName = new Dictionary<string, Parameter>();
        foreach (var (name, p) in _model.named_parameters()) byName[name] = p;
        return TorchSystem.Flatten(_shape, name => byName[name].grad ?? throw new InvalidOperationException($"No gradient for {name}."));
    }

    public void Dispose()
    {
        _optimizer.Dispose();
        _input.Dispose();
        _labels.Dispose();
        _model.Dispose();
    }
}
