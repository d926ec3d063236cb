using System;

namespace ConvNet.Benchmarks;

/// <summary>One system's forward pass over a workload's whole batch, with everything allocated and bound up front,
/// so that <see cref="Run"/> is exactly what is timed.</summary>
internal interface IInference : IDisposable
{
    void Run();

    /// <summary>A copy of the last run's scores, batch x classes, for the agreement check (not timed).</summary>
    float[] Scores();
}

/// <summary>One system's training step on a workload's batch: forward, mean softmax cross-entropy, backward, plain SGD.</summary>
internal interface ITrainer : IDisposable
{
    /// <summary>Runs one step and returns the loss before the update.</summary>
    float Step();

    /// <summary>A copy of the last step's gradients in ConvNet's flat parameter layout (not timed).</summary>
    float[] Gradients();
}
