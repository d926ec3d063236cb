using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using ConvNet;

namespace ConvNet.Benchmarks;

/// <summary>
/// The quick comparison: every scenario on every system, checked for agreement, then timed with <see cref="CallTimer"/>
/// (systems of a scenario take turns, repetition by repetition); one table of times and ratios, a table of one-time
/// costs, and the per-layer GFLOP/s of the CIFAR net and VGG-16.
/// </summary>
internal static class CompareCommand
{
    /// <param name="Optimizer">For training scenarios; Adam (the LeNet sample's optimizer) is run on LeNet-5 only.</param>
    /// <param name="Busy">Timed while another process keeps one core busy (<see cref="Spinner"/>): what a batch split over
    /// both cores loses when one of its workers is preempted. LeNet-5 and the CIFAR net only.</param>
    private sealed record Scenario(string Label, int Batch, int Threads, bool Training, TrainingOptimizer Optimizer = TrainingOptimizer.Sgd, bool Busy = false);

    private static readonly Scenario[] s_scenarios =
    [
        new("infer b1", 1, 1, false),
        new("infer b64", 64, 2, false),
        new("train b64", 64, 2, true),
        new("train b64 Adam", 64, 2, true, TrainingOptimizer.Adam),
        new("infer b64, one core busy", 64, 2, false, Busy: true),
    ];

    private sealed class Row(string name)
    {
        public string Name { get; } = name;
        public double? ConvNet, Ort, Torch, Naive;
        /// <summary>ConvNet's time for the network without its batch norm layers (<see cref="NetworkDef.WithoutBatchNorm"/>).</summary>
        public double? WithoutBatchNorm;
        public double Flops, Threads;
    }

    /// <param name="networks">Names of the networks to run (<see cref="NetworkDef.Name"/>, e.g. <c>ResNet-20</c>); all when empty.
    /// A per-layer profile (CIFAR net, VGG-16) runs only when its network does.</param>
    public static int Run(IReadOnlyList<string> networks)
    {
        var selected = new List<NetworkDef>();
        foreach (var def in NetworkDef.All)
            if (networks.Count == 0 || networks.Contains(def.Name)) selected.Add(def);
        foreach (string name in networks)
        {
            if (!selected.Exists(d => d.Name == name))
            {
                Console.Error.WriteLine($"Unknown network '{name}'; the networks are {string.Join(", ", NetworkDef.All.Select(d => d.Name))}.");
                return 2;
            }
        }

        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        var total = Stopwatch.StartNew();
        Console.WriteLine($"Machine: {Machine.Describe()}");
        Console.WriteLine($"Load average at start: {Machine.LoadAverage()}");
        var peak = FmaPeak.Measure();
        Console.WriteLine($"FMA peak (Vector{peak.VectorBits}, fp32): {peak.PerCoreGflops:F1} GFLOP/s per core; {peak.AllCoresGflops:F1} GFLOP/s on all {peak.Cores} cores together");
        var bandwidth = MemoryBandwidth.Measure();
        Console.WriteLine(bandwidth);
        bool torchOk = TorchSystem.TryLoad(out string torchDetail);
        Console.WriteLine($"TorchSharp: {(torchOk ? "loaded" : "n/a")} ({torchDetail})");
        Console.WriteLine("ONNX Runtime training: n/a (the training package is not available here; ORT is timed for inference only)");
        Console.WriteLine();

        var rows = new List<Row>();
        var once = new TextTable("scenario", "system", "setup", "first call", "agreement (worst scaled error)");
        once.Add("(process)", "TorchSharp", torchOk ? CallTimer.Format(TorchSystem.LoadTime.TotalSeconds) : "n/a", "", "native load incl. ELF patch");
        var details = new List<string>();
        var disagreements = new List<string>();

        foreach (var def in selected)
            foreach (var s in s_scenarios)
            {
                if (s.Optimizer == TrainingOptimizer.Adam && def != NetworkDef.LeNet5) continue;
                if (def.Big && (s.Training || s.Batch != 1)) continue;
                if (s.Busy && def != NetworkDef.LeNet5 && def != NetworkDef.Cifar) continue;
                var w = new Workload(def, s.Batch, s.Threads);
                var row = new Row($"{def.Name} {s.Label} ({s.Threads}t)") { Threads = s.Threads };
                List<Prepared> prepared;
                try
                {
                    prepared = s.Training ? PrepareTraining(w, s.Optimizer, row, torchOk, once) : PrepareInference(w, row, torchOk, once);
                }
                catch (DisagreementException e)
                {
                    // Never timed: a time for a result that differs means nothing. The other scenarios still run, and the
                    // exit code says that one did not.
                    disagreements.Add(e.Message);
                    continue;
                }
                using var spinner = s.Busy ? Spinner.Start() : null;
                try
                {
                    var timings = CallTimer.MeasureInterleaved(prepared.ConvertAll(p => p.Run));
                    for (int i = 0; i < prepared.Count; i++)
                    {
                        details.Add(Detail(row.Name, prepared[i].System, timings[i]));
                        prepared[i].Record(row, timings[i].Median);
                    }
                }
                finally
                {
                    foreach (var p in prepared) p.Owner.Dispose();
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

        foreach (var r in rows)
            if (r.WithoutBatchNorm is { } plain)
                Console.WriteLine($"Batch norm in evaluation mode, {r.Name}: {Time(r.ConvNet)} with, {Time(plain)} without = {r.ConvNet!.Value / plain:F2}x (bar: <= 1.10x)");
        Console.WriteLine();

        if (selected.Contains(NetworkDef.Cifar)) LayerProfile.Run(NetworkDef.Cifar, LayerProfile.CifarKernels, peak, bandwidth);
        if (selected.Contains(NetworkDef.Vgg16)) LayerProfile.Run(NetworkDef.Vgg16, LayerProfile.Vgg16Kernels, peak, bandwidth);
        foreach (var d in disagreements) Console.WriteLine($"NOT TIMED, the systems disagree: {d}");
        Console.WriteLine($"Load average at end: {Machine.LoadAverage()} ({Environment.ProcessorCount} cores)");
        if (Machine.BusyWarning() is { } warning) Console.WriteLine(warning);
        Console.WriteLine($"compare finished in {total.Elapsed.TotalSeconds:F0} s");
        return disagreements.Count == 0 ? 0 : 1;
    }

    /// <summary>A system set up, run once and checked, ready for timing; <see cref="Record"/> puts its time in the row.</summary>
    private sealed record Prepared(string System, Action Run, IDisposable Owner, Action<Row, double> Record);

    /// <summary>Sets up every system for an inference scenario, times setup and first call, and checks each system's
    /// scores against ConvNet's; throws <see cref="DisagreementException"/> before any timing if one disagrees.</summary>
    private static List<Prepared> PrepareInference(Workload w, Row row, bool torchOk, TextTable once)
    {
        row.Flops = (double)w.Def.ForwardFlops * w.BatchSize;
        var systems = new List<(string, Func<IInference>, Action<Row, double>)>
        {
            ("ConvNet", () => new ConvNetInference(w), (r, t) => r.ConvNet = t),
            ("ONNX Runtime", () => new OrtInference(w), (r, t) => r.Ort = t),
        };
        if (!w.Def.Big)
        {
            if (torchOk) systems.Add(("TorchSharp", () => new TorchInference(w), (r, t) => r.Torch = t));
            systems.Add(("naive C#", () => new NaiveInference(w), (r, t) => r.Naive = t));
        }
        // Timed in the same interleaved block as the network itself, so that the ratio of the two holds up on a busy machine.
        Workload? plain = w.BatchSize == 1 && w.Def.WithoutBatchNorm is { } def ? new Workload(def, w.BatchSize, w.Threads) : null;
        if (plain is not null) systems.Add(("ConvNet without BN", () => new ConvNetInference(plain), (r, t) => r.WithoutBatchNorm = t));

        var prepared = new List<Prepared>();
        float[]? reference = null;
        try
        {
            foreach (var (system, create, record) in systems)
            {
                IInference inference;
                double setup;
                try
                {
                    (inference, setup) = Timed(create);
                }
                catch (NotSupportedException e)
                {
                    // A system that cannot express the network (a layer kind it has no mapping for) gets n/a and the reason.
                    once.Add(row.Name, system, "n/a", "", e.Message);
                    continue;
                }
                prepared.Add(new Prepared(system, inference.Run, inference, record));
                double first = CallTimer.Once(inference.Run);
                var scores = inference.Scores();
                string agree = reference is null
                    ? "reference"
                    : system == "ConvNet without BN"
                    ? "not compared: another network"
                    : $"{Agreement.Check($"{row.Name} {system} scores vs ConvNet", reference, scores, w.Prototype.OutputLength):E1}";
                reference ??= scores;
                once.Add(row.Name, system, CallTimer.Format(setup), CallTimer.Format(first), agree);
            }
            return prepared;
        }
        catch
        {
            foreach (var p in prepared) p.Owner.Dispose();
            throw;
        }
    }

    /// <summary>Sets up ConvNet and TorchSharp training steps, runs one step each from the same weights and checks
    /// loss and every gradient tensor against ConvNet's. The weights then drift apart a little as timing goes on,
    /// which changes nothing a step costs.</summary>
    private static List<Prepared> PrepareTraining(Workload w, TrainingOptimizer optimizer, Row row, bool torchOk, TextTable once)
    {
        row.Flops = (double)w.Def.TrainingFlopsPerSample(w.Prototype) * w.BatchSize;
        var systems = new List<(string, Func<ITrainer>, Action<Row, double>)>
        {
            ("ConvNet", () => new ConvNetTrainer(w, optimizer), (r, t) => r.ConvNet = t),
        };
        if (torchOk) systems.Add(("TorchSharp", () => new TorchTrainer(w, optimizer), (r, t) => r.Torch = t));

        var prepared = new List<Prepared>();
        float[]? referenceGradients = null;
        float referenceLoss = 0;
        try
        {
            foreach (var (system, create, record) in systems)
            {
                var (trainer, setup) = Timed(create);
                prepared.Add(new Prepared(system, () => trainer.Step(), trainer, record));
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
                    try
                    {
                        agree = DirectAgreement($"{row.Name} {system}", w.Prototype, referenceLoss, referenceGradients, loss, gradients);
                    }
                    catch (DisagreementException direct)
                    {
                        agree = Float64Referee(w, row.Name, system, direct.Message, referenceLoss, referenceGradients, loss, gradients);
                    }
                }
                once.Add(row.Name, system, CallTimer.Format(setup), CallTimer.Format(first), agree);
            }
            return prepared;
        }
        catch
        {
            foreach (var p in prepared) p.Owner.Dispose();
            throw;
        }
    }

    /// <summary>Loss and every gradient tensor of <paramref name="system"/> against ConvNet's, within <see cref="Agreement.Tolerance"/>.</summary>
    private static string DirectAgreement(string system, INetwork layout, float convNetLoss, float[] convNet, float loss, float[] gradients)
    {
        double lossError = Math.Abs(loss - convNetLoss) / Math.Max(1, Math.Abs(convNetLoss));
        if (!(lossError <= Agreement.Tolerance))
            throw new DisagreementException($"{system}: loss {loss:R}, ConvNet {convNetLoss:R}.");
        double worst = 0;
        foreach (var l in layout.Layers)
            foreach (var tensor in l.Tensors)
                worst = Math.Max(worst, Agreement.Check($"{system} gradient of {tensor.Name} vs ConvNet",
                    convNet.AsSpan(tensor.Offset, tensor.Length), gradients.AsSpan(tensor.Offset, tensor.Length), tensor.Length));
        return $"loss {lossError:E1}, gradients {worst:E1}";
    }

    /// <summary>How much further from float64 than TorchSharp's float32 ConvNet's gradients may be.</summary>
    private const double RefereeFactor = 4;

    /// <summary>
    /// When the two float32 steps differ by more than the tolerance, a float64 TorchSharp step from the same weights says
    /// whose rounding it is. In a deep network with batch norm (ResNet-20 at batch 64) the early layers' gradients are
    /// sums that cancel heavily, and float32 PyTorch itself lands a few 1e-4 (scaled) from float64 there, so two
    /// correct float32 systems can miss each other by that much. The step is accepted when ConvNet's loss is within the
    /// tolerance of float64's and its worst scaled gradient error against float64 is within the tolerance or at most
    /// <see cref="RefereeFactor"/> times TorchSharp float32's own; otherwise the disagreement stands.
    /// </summary>
    private static string Float64Referee(Workload w, string scenario, string system, string direct, float convNetLoss, float[] convNet, float loss, float[] gradients)
    {
        var (loss64, reference) = TorchSystem.Float64Gradients(w);
        double convNetLossError = Math.Abs(convNetLoss - loss64) / Math.Max(1, Math.Abs(loss64));
        double convNetError = Agreement.WorstScaled(w.Prototype, reference, convNet);
        double otherError = Agreement.WorstScaled(w.Prototype, reference, gradients);
        string against = $"against float64 TorchSharp: ConvNet {convNetError:E1}, {system} float32 {otherError:E1}";
        if (!(convNetLossError <= Agreement.Tolerance) || !(convNetError <= Math.Max(Agreement.Tolerance, RefereeFactor * otherError)))
            throw new DisagreementException($"{direct} Gradients {against} (ConvNet may be at most {RefereeFactor}x); ConvNet's loss {convNetLoss:R}, float64's {loss64:R}.");
        double lossError = Math.Abs(loss - convNetLoss) / Math.Max(1, Math.Abs(convNetLoss));
        return $"loss {lossError:E1}; gradients over 1E-4 apart, so judged {against}";
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
