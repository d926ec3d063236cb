using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using System.Runtime.Intrinsics;
using System.Threading;
using Xunit;
using Xunit.Abstractions;
using static ConvNet.Tests.RefLayer;

namespace ConvNet.Tests;

/// <summary>What the generated code does with inputs and weights no one should feed it (NaN, infinities, denormals)
/// and with a use it does not support (one instance on two threads). The contract is in docs/generated-class.md.
/// Widths 37 and 20 make the vector kernels run whole vectors plus an overlapping last one on every ISA; width 3 is
/// below a Vector128 and takes the scalar path. .ci/run runs this class again with AVX-512, AVX2 and all hardware
/// intrinsics off, checking in each pass which vector width ran.</summary>
public class RuntimeMisuseTests(ITestOutputHelper log)
{
    private static readonly ReferenceNetwork DeepRef = new((2, 8, 20), Conv(4, 3, pad: 1), Relu, MaxPool(2), Fc(6));

    private static readonly Lazy<Assembly> Compiled = new(() => Harness.Load(string.Join("\n",
    [
        Net("Relu37", "[Input(1, 1, 37)] [Relu]"),
        Net("Relu3", "[Input(1, 1, 3)] [Relu]"),
        Net("Max", "[Input(2, 6, 6)] [MaxPool(2)]"),
        Net("MaxOverlap", "[Input(1, 7, 7)] [MaxPool(3, Stride = 2)]"),
        Net("Avg", "[Input(1, 6, 6)] [AvgPool(2)]"),
        Net("Conv2d", "[Input(2, 9, 20)] [Conv(3, 3, Pad = 1)]"),
        Net("Fc", "[Input(1, 1, 40)] [FullyConnected(5)]"),
        DeepRef.Source("Deep", "Misuse"),
    ])));

    private static string Net(string name, string attributes) => $"namespace Misuse {{ using ConvNet; {attributes} public partial class {name} {{ }} }}";

    private static INetwork Create(string name, int seed = 1) => Harness.Create(Compiled.Value, "Misuse." + name, seed);

    private static float[] Run(INetwork net, float[] input)
    {
        var output = new float[net.OutputLength];
        net.Forward(input, output);
        return output;
    }

    private static float[] Filled(int length, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, length).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
    }

    /// <summary>The widest vector the kernels' dispatch takes (the same JIT-time checks, widest first), 0 for scalar.</summary>
    private static int WidestAcceleratedBits =>
        Vector512.IsHardwareAccelerated ? 512 : Vector256.IsHardwareAccelerated ? 256 : Vector128.IsHardwareAccelerated ? 128 : 0;

    [Fact]
    public void Vector_width_in_use_is_the_one_this_run_expects()
    {
        log.WriteLine($"Vector512 {Vector512.IsHardwareAccelerated}, Vector256 {Vector256.IsHardwareAccelerated}, Vector128 {Vector128.IsHardwareAccelerated}");
        // The widths nest: a wider one is accelerated only with the narrower ones.
        if (Vector512.IsHardwareAccelerated) Assert.True(Vector256.IsHardwareAccelerated);
        if (Vector256.IsHardwareAccelerated) Assert.True(Vector128.IsHardwareAccelerated);
        // .ci/run sets the width each of its passes must run (an ISA switch the runtime ignores would otherwise make a
        // pass test the same kernels again); a plain `dotnet test` has nothing to compare against.
        if (Environment.GetEnvironmentVariable("CONVNET_EXPECT_VECTOR_BITS") is { Length: > 0 } expected)
            Assert.True(int.Parse(expected, System.Globalization.CultureInfo.InvariantCulture) == WidestAcceleratedBits,
                $"this run was to use {expected}-bit vectors, but the widest accelerated is {WidestAcceleratedBits} bits");
    }

    [Theory]
    [InlineData("Relu37", 37)]
    [InlineData("Relu3", 3)]
    public void Relu_keeps_NaN_and_plus_infinity_and_zeroes_minus_infinity(string name, int n)
    {
        var net = Create(name);
        var input = Filled(n, 3);
        // Every special value at every lane of the last, overlapping vector and at the start.
        var specials = new Dictionary<int, float> { [0] = float.NaN, [1] = float.PositiveInfinity, [n - 1] = float.NaN, [n - 2] = float.NegativeInfinity };
        if (n > 8) { specials[n - 3] = -float.NaN; specials[n / 2] = float.PositiveInfinity; }
        foreach (var (i, v) in specials) input[i] = v;
        var output = Run(net, input);
        for (int i = 0; i < n; i++)
        {
            float x = input[i];
            if (float.IsNaN(x)) Assert.True(float.IsNaN(output[i]), $"relu(NaN) at {i} = {output[i]}");
            else Assert.Equal(x < 0 ? 0f : x, output[i]);
        }

        // Backward: y > 0 is false for NaN, so no gradient flows through a NaN activation; +Inf passes it.
        var dInput = new float[n];
        net.Backward(Enumerable.Repeat(1f, n).ToArray(), dInput);
        for (int i = 0; i < n; i++) Assert.Equal(output[i] > 0 ? 1f : 0f, dInput[i]);
    }

    [Fact]
    public void Max_pool_window_with_NaN_is_NaN_and_only_that_window()
    {
        var net = Create("Max");
        var input = Filled(net.InputLength, 4);
        input[(1 * 6 + 2) * 6 + 3] = float.NaN;            // channel 1, row 2, column 3 -> window (1, 1, 1)
        input[(0 * 6 + 5) * 6 + 0] = float.PositiveInfinity; // channel 0, row 5, column 0 -> window (0, 2, 0)
        var output = Run(net, input);
        for (int c = 0; c < 2; c++)
            for (int y = 0; y < 3; y++)
                for (int x = 0; x < 3; x++)
                {
                    float o = output[(c * 3 + y) * 3 + x];
                    if ((c, y, x) == (1, 1, 1)) Assert.True(float.IsNaN(o), "NaN window");
                    else if ((c, y, x) == (0, 2, 0)) Assert.Equal(float.PositiveInfinity, o);
                    else
                    {
                        float m = float.NegativeInfinity;
                        for (int ky = 0; ky < 2; ky++) for (int kx = 0; kx < 2; kx++) m = Math.Max(m, input[(c * 6 + 2 * y + ky) * 6 + 2 * x + kx]);
                        Assert.Equal(m, o);
                    }
                }
    }

    [Fact]
    public void Overlapping_max_pool_windows_all_see_the_NaN()
    {
        var net = Create("MaxOverlap");
        var input = Filled(net.InputLength, 5);
        input[2 * 7 + 4] = float.NaN; // row 2, column 4: windows start at rows 0 and 2, columns 2 and 4
        var output = Run(net, input);
        for (int y = 0; y < 3; y++)
            for (int x = 0; x < 3; x++)
                Assert.Equal(y is 0 or 1 && x is 1 or 2, float.IsNaN(output[y * 3 + x]));
        var dInput = new float[net.InputLength];
        net.Backward(Enumerable.Repeat(1f, 9).ToArray(), dInput);
        Assert.Equal(4f, dInput[2 * 7 + 4]); // each of the four windows sends its gradient to its (first) NaN
    }

    [Fact]
    public void Average_pool_propagates_NaN_and_turns_opposite_infinities_into_NaN()
    {
        var net = Create("Avg");
        var input = Filled(net.InputLength, 6);
        input[0] = float.NaN;                                      // window (0, 0)
        input[2 * 6 + 2] = float.PositiveInfinity;                 // window (1, 1)
        input[4 * 6 + 4] = float.PositiveInfinity; input[5 * 6 + 5] = float.NegativeInfinity; // window (2, 2)
        var output = Run(net, input);
        Assert.True(float.IsNaN(output[0]));
        Assert.Equal(float.PositiveInfinity, output[1 * 3 + 1]);
        Assert.True(float.IsNaN(output[2 * 3 + 2]));
        Assert.Equal(6, output.Count(float.IsFinite));
    }

    [Fact]
    public void Conv_output_is_NaN_exactly_where_the_window_touches_a_NaN_input()
    {
        var net = Create("Conv2d");
        var input = Filled(net.InputLength, 7);
        input[(1 * 9 + 4) * 20 + 10] = float.NaN;  // channel 1, row 4, column 10
        input[(0 * 9 + 0) * 20 + 19] = float.NaN;  // a corner, under the padding: the last column's overlapping vector
        var output = Run(net, input);
        for (int f = 0; f < 3; f++)
            for (int y = 0; y < 9; y++)
                for (int x = 0; x < 20; x++)
                {
                    bool touches = Math.Abs(y - 4) <= 1 && Math.Abs(x - 10) <= 1 || y <= 1 && x >= 18;
                    Assert.True(touches == float.IsNaN(output[(f * 9 + y) * 20 + x]), $"filter {f} row {y} column {x}: {output[(f * 9 + y) * 20 + x]}");
                }
    }

    [Fact]
    public void Conv_with_a_NaN_weight_or_bias_poisons_only_that_filter()
    {
        var net = Create("Conv2d");
        var tensors = net.Layers[0].Tensors;
        // The centre tap: it always reads a real pixel, whether or not the kernel skips the padding.
        net.Parameters[tensors[0].Offset + 1 * 18 + 4] = float.NaN; // filter 1, channel 0, (1, 1)
        net.Parameters[tensors[1].Offset + 2] = float.NaN;          // bias of filter 2
        var output = Run(net, Filled(net.InputLength, 8));
        for (int i = 0; i < output.Length; i++) Assert.Equal(i >= 180, float.IsNaN(output[i]));
    }

    [Fact]
    public void Conv_with_positive_weights_keeps_plus_infinity_in_its_windows()
    {
        var net = Create("Conv2d");
        for (int i = 0; i < net.Parameters.Length; i++) net.Parameters[i] = 0.25f + (i % 5) * 0.125f;
        var input = Filled(net.InputLength, 9).Select(Math.Abs).ToArray();
        input[(0 * 9 + 6) * 20 + 3] = float.PositiveInfinity;
        var output = Run(net, input);
        for (int f = 0; f < 3; f++)
            for (int y = 0; y < 9; y++)
                for (int x = 0; x < 20; x++)
                {
                    bool touches = Math.Abs(y - 6) <= 1 && Math.Abs(x - 3) <= 1;
                    float o = output[(f * 9 + y) * 20 + x];
                    Assert.True(touches ? o == float.PositiveInfinity : float.IsFinite(o), $"filter {f} row {y} column {x}: {o}");
                }
    }

    [Fact]
    public void Fully_connected_NaN_input_poisons_every_output_and_a_NaN_weight_only_its_row()
    {
        var net = Create("Fc");
        var input = Filled(40, 10);
        input[39] = float.NaN; // the last, overlapping vector of the dot products
        Assert.All(Run(net, input), o => Assert.True(float.IsNaN(o)));
        net.Parameters[net.Layers[0].Tensors[0].Offset + 3 * 40 + 38] = float.NaN;
        var output = Run(net, Filled(40, 11));
        for (int j = 0; j < 5; j++) Assert.Equal(j == 3, float.IsNaN(output[j]));
    }

    /// <summary>Inputs that are multiples of 2^-140 are denormal in float, and small integer weights keep every product and
    /// sum an exact multiple of 2^-140, so the result must equal the reference bit for bit: nothing may flush them to zero.</summary>
    [Fact]
    public void Denormal_inputs_give_the_exact_reference_result()
    {
        var net = Create("Deep");
        var rng = new Random(12);
        Array.Copy(Numerics.Integers(rng, net.Parameters.Length, 3), net.Parameters, net.Parameters.Length);
        foreach (var layer in net.Layers)
            if (layer.Tensors.Count == 2) Array.Clear(net.Parameters, layer.Tensors[1].Offset, layer.Tensors[1].Length); // biases would dwarf them
        float tiny = MathF.ScaleB(1f, -140);
        var input = Numerics.Integers(rng, net.InputLength, 8).Select(v => v * tiny).ToArray();
        Assert.Contains(input, v => v != 0 && float.IsSubnormal(v));

        var output = Run(net, input);
        var pass = DeepRef.Run(ReferenceNetwork.D(net.Parameters), [], [ReferenceNetwork.D(input)]);
        var acts = pass.Acts[0];
        Numerics.AssertExact(acts[^1], output, "output");
        Assert.Contains(output.ToArray(), v => v != 0 && float.IsSubnormal(v)); // the test is about denormals all the way through
        for (int i = 0; i < DeepRef.Layers.Length; i++) Numerics.AssertExact(acts[i + 1], net.LayerOutput(i), $"layer {i}");

        var dOut = Numerics.Integers(rng, net.OutputLength, 4).Select(v => v * tiny).ToArray();
        var dInput = new float[net.InputLength];
        net.ZeroGradients();
        net.Backward(dOut, dInput);
        var (refDInputs, refDParams) = DeepRef.Backward(ReferenceNetwork.D(net.Parameters), pass, [ReferenceNetwork.D(dOut)]);
        Numerics.AssertExact(refDInputs[0], dInput, "dInput");
        // Weight gradients are products of two denormals: they underflow to zero in float, exactly as in the reference cast.
        Numerics.AssertExact(refDParams, net.Gradients, "dParameters");
    }

    /// <summary>Unsupported, but it must stay memory-safe: every kernel runs on spans whose lengths are checked first, so a
    /// race may give wrong numbers or throw, never write outside the instance. Guard arrays allocated around the instance
    /// and the callers' buffers must be untouched, the GC must still walk the heap, and the instance must recover.</summary>
    [Fact]
    public void Two_threads_on_one_instance_never_write_outside_it()
    {
        const float Guard = 1234.5f;
        float[] NewGuard() => Enumerable.Repeat(Guard, 4096).ToArray();
        var guards = new List<float[]> { NewGuard() };
        var net = Create("Deep");
        guards.Add(NewGuard());
        var parameters = (float[])net.Parameters.Clone();
        var errors = new List<Exception>();
        int calls = 0;
        var until = DateTime.UtcNow.AddSeconds(1.5);

        void Hammer(int seed)
        {
            var rng = new Random(seed);
            var mine = new List<float[]>();
            while (DateTime.UtcNow < until)
            {
                int batch = rng.Next(1, 6);
                var inputs = Filled(batch * net.InputLength, rng.Next());
                var outputs = new float[batch * net.OutputLength];
                var dInputs = new float[batch * net.InputLength];
                mine.Add(NewGuard());
                try
                {
                    switch (rng.Next(4))
                    {
                        case 0: net.Forward(inputs.AsSpan(0, net.InputLength), outputs.AsSpan(0, net.OutputLength)); break;
                        case 1: net.Backward(outputs.AsSpan(0, net.OutputLength), dInputs.AsSpan(0, net.InputLength)); break;
                        case 2: net.Forward(inputs, outputs, batch); break;
                        default: net.Backward(outputs, dInputs, batch); break;
                    }
                }
                // Races may legitimately throw these (e.g. Backward after the other thread's batch resized the workspace).
                catch (Exception e) when (e is InvalidOperationException or ArgumentException or IndexOutOfRangeException or AggregateException { InnerExceptions: [InvalidOperationException or ArgumentException or IndexOutOfRangeException] }) { }
                catch (Exception e) { lock (errors) errors.Add(e); }
                Interlocked.Increment(ref calls);
                if (mine.Count > 64) mine.RemoveAt(0);
            }
            lock (guards) guards.AddRange(mine);
        }

        var threads = new[] { new Thread(() => Hammer(1)), new Thread(() => Hammer(2)) };
        foreach (var t in threads) t.Start();
        foreach (var t in threads) t.Join();
        guards.Add(NewGuard());
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);

        log.WriteLine($"{calls} calls");
        Assert.Empty(errors);
        Assert.All(guards, g => Assert.All(g, v => Assert.Equal(Guard, v)));
        Assert.Equal(parameters, net.Parameters); // nothing in the forward/backward path writes the weights

        var input = Filled(net.InputLength, 99);
        var fresh = Create("Deep");
        Assert.Equal(Run(fresh, input), Run(net, input));
    }
}
