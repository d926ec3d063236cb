using System;
using System.Collections.Generic;
using System.Diagnostics;
using ConvNet;
using ConvNet.Benchmarks;

// Times what issue-style targets call "a user's Debug build": the batch-1 forward (1 thread) and a batch-64 SGD training
// step (2 threads) of LeNet-5 and the CIFAR net. Prints one tab-separated line per scenario: name, median ms per call.
Measure("LeNet-5", new LeNet5());
Measure("CIFAR", new CifarNet());

static void Measure(string name, INetwork net)
{
    const int Batch = 64;
    var rng = new Rng(1);
    var inputs = new float[Batch * net.InputLength];
    for (int i = 0; i < inputs.Length; i++) inputs[i] = rng.NextSingle();
    var labels = new int[Batch];
    for (int i = 0; i < Batch; i++) labels[i] = rng.NextInt(net.OutputLength);
    var outputs = new float[Batch * net.OutputLength];
    var gradients = new float[Batch * net.OutputLength];
    var sgd = new Sgd(net.Parameters.Length, 0.01f);

    net.MaxDegreeOfParallelism = 1;
    Console.WriteLine($"{name} batch-1 forward, 1 thread\t{Median(() => net.Forward(inputs.AsSpan(0, net.InputLength), outputs.AsSpan(0, net.OutputLength))):F4}");
    net.MaxDegreeOfParallelism = 2;
    net.Training = true;
    Console.WriteLine($"{name} batch-64 training step, 2 threads\t{Median(() =>
    {
        net.ZeroGradients();
        net.Forward(inputs, outputs, Batch);
        Losses.SoftmaxCrossEntropy(outputs, labels, net.OutputLength, gradients);
        net.Backward(gradients, [], Batch);
        sgd.Step(net);
    }):F4}");
}

// Median of 7 repetitions of about 0.3 s each, after a warm-up that lets tiering settle.
static double Median(Action call)
{
    var warmUp = Stopwatch.StartNew();
    while (warmUp.Elapsed.TotalSeconds < 0.5) call();
    var times = new List<double>();
    for (int rep = 0; rep < 7; rep++)
    {
        int calls = 0;
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed.TotalSeconds < 0.3) { call(); calls++; }
        times.Add(sw.Elapsed.TotalMilliseconds / calls);
    }
    times.Sort();
    return times[3];
}
