using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using ConvNet;

namespace ConvNet.Benchmarks;

/// <summary>
/// The quick comparison: every scenario on every system, checked for agreement, then timed with <see cref="CallTimer"/>;
/// one table of times and ratios, a table of one-time costs, and the CIFAR net's per-layer GFLOP/s.
/// </summary>
internal static class CompareCommand
{
    private sealed record Scenario(string Label, int Batch, int Threads, bool Training);

    private static readonly Scenario[] s_scenarios =
    [
        new("infer b1", 1, 1, false),
        new("infer b64", 64, 2, false),
        new("train b64", 64, 2, true),
    ];

    private sealed class Row(string name)
    {
        public string Name { get; } = name;
        public double? ConvNet, Ort, Torch, Naive;
        public double Flops, Threads;
    }

    public static int Run()
    {
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        var total = Stopwatch.StartNew();
        Console.WriteLine($"Machine: {Machine.Describe()}");
        Console.WriteLine($"Load average at start: {Machine.LoadAverage()}");
        var peak = FmaPeak.Measure();
        Console.WriteLine($"FMA peak (Vector{peak.VectorBits}, fp32): {peak.PerCoreGflops:F1} GFLOP/s per core; {peak.AllCoresGflops:F1} GFLOP/s on all {peak.Cores} cores together");
        bool torchOk = TorchSystem.TryLoad(out string torchDetail);
        Console.WriteLine($"TorchSharp: {(torchOk ? "loaded" : "n/a")} ({torchDetail})");
        Console.WriteLine("ONNX Runtime training: n/a (the training package is not available here; ORT is timed for inference only)");
        Console.WriteLine();

        var rows = new List<Row>();
        var once = new TextTable("scenario", "system", "setup", "first call", "agreement (worst scaled error)");
        once.Add("(process)", "TorchSharp", torchOk ? CallTimer.Format(TorchSystem.LoadTime.TotalSeconds) : "n/a", "", "native load incl. ELF patch");
        var details = new List<string>();

        foreach (var def in NetworkDef.All)
            foreach (var s in s_scenarios)
            {
                var w = new Workload(def, s.Batch, s.Threads);
                var row = new Row($"{def.Name} {s.Label} ({s.Threads}t)") { Threads = s.Threads };
                string scenarioName = row.Name;
                if (!s.Training)
                {
                    row.Flops = (double)def.ForwardFlops * s.Batch;
                    float[]? reference = null;
                    row.ConvNet = Infer("ConvNet", () => new ConvNetInference(w));
                    row.Ort = Infer("ONNX Runtime", () => new OrtInference(w));
                    if (torchOk) row.Torch = Infer("TorchSharp", () => new TorchInference(w));
                    row.Naive = Infer("naive C#", () => new NaiveInference(w));

                    double Infer(string system, Func<IInference> create)
                    {
                        var (inference, setup) = Timed(create);
                        using (inference)
                        {
                            double first = CallTimer.Once(inference.Run);
                            var scores = inference.Scores();
                            string agree;
                            if (reference is null)
                            {
                                reference = scores;
                                agree = "reference";
                            }
                            else
                            {
                                agree = $"{Agreement.Check($"{scenarioName} {system} scores vs ConvNet", reference, scores, w.Prototype.OutputLength):E1}";
                            }
                            once.Add(scenarioName, system, CallTimer.Format(setup), CallTimer.Format(first), agree);
                            var t = CallTimer.Measure(inference.Run);
                            details.Add(Detail(scenarioName, system, t));
                            return t.Median;
                        }
                    }
                }
                else
                {
                    row.Flops = (double)def.TrainingFlopsPerSample(w.Prototype) * s.Batch;
                    float[]? referenceGradients = null;
                    float referenceLoss = 0;
                    row.ConvNet = Train("ConvNet", () => new ConvNetTrainer(w));
                    if (torchOk) row.Torch = Train("TorchSharp", () => new TorchTrainer(w));

                    double Train(string system, Func<ITrainer> create)
                    {
                        var (trainer, setup) = Timed(create);
                        using (trainer)
                        {
                            float loss = 0;
                            double first = CallTimer.Once(() => loss = trainer.Step());
                            var gradients = trainer.Gradients();
                            string agree;
                            if (referenceGradients is null)
                            {
                                (referenceGradients, referenceLoss) = (gradients, loss);
                                agree = $"reference (loss {loss:F4})";
                            }
                            else
                            {
                                double lossError = Math.Abs(loss - referenceLoss) / Math.Max(1, Math.Abs(referenceLoss));
                                if (!(lossError <= Agreement.Tolerance))
                                    throw new DisagreementException($"{scenarioName} {system}: loss {loss:R}, ConvNet {referenceLoss:R}.");
                                double worst = 0;
                                foreach (var l in w.Prototype.Layers)
                                    foreach (var tensor in l.Tensors)
                                        worst = Math.Max(worst, Agreement.Check($"{scenarioName} {system} gradient of {tensor.Name} vs ConvNet",
                                            referenceGradients.AsSpan(tensor.Offset, tensor.Length), gradients.AsSpan(tensor.Offset, tensor.Length), tensor.Length));
                                agree = $"loss {lossError:E1}, gradients {worst:E1}";
                            }
                            once.Add(scenarioName, system, CallTimer.Format(setup), CallTimer.Format(first), agree);
                            var t = CallTimer.Measure(() => trainer.Step());
                            details.Add(Detail(scenarioName, system, t));
                            return t.Median;
                        }
                    }
                }
                rows.Add(row);
            }

        var table = new TextTable("scenario", "ConvNet", "ORT", "TorchSharp", "naive C#", "ConvNet/ORT", "ConvNet/Torch", "ConvNet GFLOP/s", "% FMA peak");
        foreach (var r in rows)
        {
            double gflops = r.Flops / r.ConvNet!.Value / 1e9;
            table.Add(r.Name, Time(r.ConvNet), Time(r.Ort), Time(r.Torch), Time(r.Naive),
                Ratio(r.ConvNet, r.Ort), Ratio(r.ConvNet, r.Torch),
                $"{gflops:F2}", $"{100 * gflops / (peak.PerCoreGflops * r.Threads):F1}%");
        }
        Console.WriteLine("Time per call (one batch), median of repetitions; ratio = ConvNet time / other time (> 1: ConvNet slower).");
        Console.WriteLine($"% FMA peak = ConvNet GFLOP/s / ({peak.PerCoreGflops:F1} GFLOP/s per core x threads). Training FLOPs = 3 x forward - first layer's forward (its dInput is skipped).");
        Console.WriteLine(table);
        Console.WriteLine("One-time costs (excluded from the table above) and the agreement check run before timing:");
        Console.WriteLine(once);
        Console.WriteLine("Repetitions (median, min..max, repetitions x calls):");
        foreach (var d in details) Console.WriteLine("  " + d);
        Console.WriteLine();

        LayerProfile.Run(peak);
        Console.WriteLine($"Load average at end: {Machine.LoadAverage()} ({Environment.ProcessorCount} cores)");
        Console.WriteLine($"compare finished in {total.Elapsed.TotalSeconds:F0} s");
        return 0;
    }

    private static (T, double) Timed<T>(Func<T> create)
    {
        long start = Stopwatch.GetTimestamp();
        var value = create();
        return (value, Stopwatch.GetElapsedTime(start).TotalSeconds);
    }

    private static string Time(double? seconds) => seconds is { } s ? CallTimer.Format(s) : "n/a";

    private static string Ratio(double? convNet, double? other) => convNet is { } c && other is { } o ? $"{c / o:F2}" : "n/a";

    private static string Detail(string scenario, string system, Timing t) =>
        $"{scenario,-28} {system,-13} {CallTimer.Format(t.Median),10}  ({CallTimer.Format(t.Min)}..{CallTimer.Format(t.Max)}, {t.Repetitions} x {t.CallsPerRepetition})";
}
