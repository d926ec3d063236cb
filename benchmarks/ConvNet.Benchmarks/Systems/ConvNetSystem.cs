using System;
using ConvNet;

namespace ConvNet.Benchmarks;

/// <summary>The generated network, as a user calls it: the per-sample Forward for batch 1, the batch Forward otherwise.</summary>
internal sealed class ConvNetInference : IInference
{
    private readonly INetwork _net;
    private readonly float[] _inputs, _scores;
    private readonly int _batch;

    public ConvNetInference(Workload w)
    {
        _net = w.CreateNetwork();
        _inputs = w.Inputs;
        _batch = w.BatchSize;
        _scores = new float[_batch * _net.OutputLength];
    }

    public INetwork Network => _net;

    public void Run()
    {
        if (_batch == 1) _net.Forward(_inputs, _scores);
        else _net.Forward(_inputs, _scores, _batch);
    }

    public float[] Scores() => (float[])_scores.Clone();

    public void Dispose() { }
}

/// <summary>A ConvNet training step: batch Forward, <see cref="Losses.SoftmaxCrossEntropy(ReadOnlySpan{float}, ReadOnlySpan{int}, int, Span{float})"/>
/// (mean over the batch, as PyTorch's cross_entropy), batch Backward (no input gradient), then a plain SGD or Adam step
/// (<see cref="Sgd"/>, <see cref="Adam"/>, as torch.optim.SGD and torch.optim.Adam with their defaults).</summary>
internal sealed class ConvNetTrainer : ITrainer
{
    private readonly INetwork _net;
    private readonly Optimizer _optimizer;
    private readonly float[] _inputs, _logits, _dLogits;
    private readonly int[] _labels;
    private readonly int _batch;

    public ConvNetTrainer(Workload w, TrainingOptimizer optimizer = TrainingOptimizer.Sgd)
    {
        _net = w.CreateNetwork();
        // Batch norm normalises with the batch's statistics, as PyTorch's module in train() mode does.
        _net.Training = true;
        _inputs = w.Inputs;
        _labels = w.Labels;
        _batch = w.BatchSize;
        _logits = new float[_batch * _net.OutputLength];
        _dLogits = new float[_logits.Length];
        _optimizer = optimizer == TrainingOptimizer.Adam
            ? new Adam(_net.Parameters.Length, Workload.AdamLearningRate)
            : new Sgd(_net.Parameters.Length, Workload.LearningRate);
    }

    public float Step()
    {
        // Backward adds into Gradients, so they are cleared first, as optimizer.zero_grad() does in PyTorch.
        _net.ZeroGradients();
        _net.Forward(_inputs, _logits, _batch);
        float loss = Losses.SoftmaxCrossEntropy(_logits, _labels, _net.OutputLength, _dLogits);
        _net.Backward(_dLogits, Span<float>.Empty, _batch);
        _optimizer.Step(_net);
        return loss;
    }

    public float[] Gradients() => (float[])_net.Gradients.Clone();

    public void Dispose() { }
}
