using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
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

    /// <summary>A <see cref="TorchGraph"/> equal to the network's layer table, with its parameters and buffers copied in
    /// by tensor name.</summary>
    public static TorchGraph BuildModule(INetwork net)
    {
        var model = new TorchGraph(net.Layers);
        var parameters = new Dictionary<string, Parameter>();
        foreach (var (name, p) in model.named_parameters()) parameters[name] = p;
        var buffers = new Dictionary<string, Tensor>();
        foreach (var (name, b) in model.named_buffers()) buffers[name] = b;
        int copied = 0;
        using (no_grad())
        {
            foreach (var l in net.Layers)
            {
                foreach (var t in l.Tensors)
                {
                    if (!parameters.TryGetValue(t.Name, out var p))
                        throw new InvalidOperationException($"TorchSharp module has no parameter '{t.Name}'.");
                    CopyInto(p, t, net.Parameters);
                    copied++;
                }
                foreach (var t in l.BufferTensors)
                {
                    if (!buffers.TryGetValue(t.Name, out var b))
                        throw new InvalidOperationException($"TorchSharp module has no buffer '{t.Name}'.");
                    CopyInto(b, t, net.Buffers);
                    copied++;
                }
            }
        }
        if (copied != parameters.Count + buffers.Count)
            throw new InvalidOperationException($"Copied {copied} tensors into a module with {parameters.Count} parameters and {buffers.Count} buffers.");
        return model;
    }

    // copy_ converts the element type, so a count kept as a float lands in PyTorch's int64 num_batches_tracked.
    private static void CopyInto(Tensor target, ParameterTensor t, float[] source)
    {
        var dims = new long[t.Dimensions.Count];
        for (int i = 0; i < dims.Length; i++) dims[i] = t.Dimensions[i];
        using var values = tensor(source.AsSpan(t.Offset, t.Length).ToArray(), dims);
        target.copy_(values);
    }

    /// <summary>
    /// The loss and gradients of one training-mode forward and backward (no update) from the workload's weights, on
    /// its batch, in float64: the referee when two float32 systems disagree. Gradients in ConvNet's flat layout.
    /// </summary>
    public static (double Loss, double[] Gradients) Float64Gradients(Workload w)
    {
        using var scope = NewDisposeScope();
        using var model = BuildModule(w.Prototype);
        model.to(ScalarType.Float64);
        model.train();
        var shape = w.Prototype.InputShape;
        var input = tensor(Array.ConvertAll(w.Inputs, v => (double)v), [w.BatchSize, shape.Channels, shape.Height, shape.Width]);
        var labels = tensor(Array.ConvertAll(w.Labels, l => (long)l), [w.BatchSize]);
        var loss = nn.functional.cross_entropy(model.call(input), labels);
        loss.backward();
        var byName = new Dictionary<string, Parameter>();
        foreach (var (name, p) in model.named_parameters()) byName[name] = p;
        var flat = new double[w.Prototype.Parameters.Length];
        foreach (var l in w.Prototype.Layers)
            foreach (var t in l.Tensors)
                (byName[t.Name].grad ?? throw new InvalidOperationException($"No gradient for {t.Name}.")).data<double>().CopyTo(flat, t.Offset);
        return (loss.item<double>(), flat);
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
    private readonly TorchGraph _model;
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
    private readonly TorchGraph _model;
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

/// <summary>
/// A ConvNet layer table as a TorchSharp module: one child module per layer with weights or buffers, registered under
/// the layer's name (so parameters are <c>conv1.weight</c>, <c>bn1.running_mean</c>, as in ConvNet), and a forward
/// pass that feeds each layer the values its <see cref="LayerInfo.Inputs"/> name, in table order.
/// </summary>
/// <remarks>Every value is kept NCHW, an FC output as N x C x 1 x 1 (so batch norm after it is BatchNorm2d over N, the
/// same as BatchNorm1d), and the scores are flattened to N x C at the end.</remarks>
internal sealed class TorchGraph : nn.Module<Tensor, Tensor>
{
    private readonly LayerInfo[] _layers;
    private readonly Dictionary<string, nn.Module<Tensor, Tensor>> _modules = new();

    public TorchGraph(IReadOnlyList<LayerInfo> layers) : base("ConvNetGraph")
    {
        _layers = [.. layers];
        foreach (var l in _layers)
        {
            nn.Module<Tensor, Tensor>? module = l.Kind switch
            {
                LayerKind.Conv => nn.Conv2d(l.Input.Channels, l.Output.Channels, l.Size, stride: l.Stride, padding: l.Pad),
                LayerKind.MaxPool => nn.MaxPool2d(l.Size, l.Stride),
                LayerKind.AvgPool => nn.AvgPool2d(l.Size, l.Stride),
                LayerKind.FullyConnected => nn.Linear(l.Input.Length, l.Output.Length),
                LayerKind.BatchNorm => nn.BatchNorm2d(l.Output.Channels, eps: l.Epsilon, momentum: l.Momentum),
                LayerKind.Relu => nn.ReLU(),
                LayerKind.Sigmoid => nn.Sigmoid(),
                LayerKind.Tanh => nn.Tanh(),
                LayerKind.GlobalAvgPool => nn.AdaptiveAvgPool2d(1),
                LayerKind.Add or LayerKind.Concat => null,
                _ => throw new NotSupportedException($"No TorchSharp mapping for layer kind {l.Kind}."),
            };
            if (module is null) continue;
            _modules[l.Name] = module;
            register_module(l.Name, module);
        }
    }

    public override Tensor forward(Tensor input)
    {
        var values = new Dictionary<string, Tensor> { ["input"] = input };
        try
        {
            foreach (var l in _layers)
            {
                var x = values[l.Inputs[0]];
                values[l.Name] = l.Kind switch
                {
                    LayerKind.Add => x + values[l.Inputs[1]],
                    LayerKind.Concat => cat([.. l.Inputs.Select(name => values[name])], 1),
                    // (N, C, H, W) -> (N, C*H*W): the C, H, W order ConvNet's FC weights assume.
                    LayerKind.FullyConnected => FullyConnected(_modules[l.Name], x),
                    _ => _modules[l.Name].call(x),
                };
            }
            return values[_layers[^1].Name].flatten(1);
        }
        finally
        {
            // The autograd graph keeps what backward needs; these handles only free the forward's intermediates now
            // instead of at the next garbage collection.
            foreach (var (name, value) in values)
                if (name != "input") value.Dispose();
        }
    }

    private static Tensor FullyConnected(nn.Module<Tensor, Tensor> linear, Tensor x)
    {
        using var flat = x.flatten(1);
        using var y = linear.call(flat);
        return y.reshape(y.shape[0], y.shape[1], 1, 1);
    }
}
