using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using Xunit;

namespace ConvNet.Tests;

/// <summary>Pooling kernels against a float model of the plain per-window loop, bit for bit, on inputs full of ties,
/// signed zeros, infinities and NaNs with distinct payloads: the vector paths (stride-1 loads, stride-2 deinterleaves,
/// the 2x2 backward's interleaved stores) must keep the loop's order of operations, its first-maximum rule and its
/// += into a cleared dInput. Output widths cross every vector width, rows narrower than a vector and the overlapping
/// last vector; .ci/run runs the class again with AVX-512 off, AVX2 off and all hardware intrinsics off. NaN payloads
/// are not compared, only NaN-ness: which of two NaNs MathF.Max or a sum returns is unspecified, and it differs between
/// the JIT's optimised intrinsic and its unoptimised call (this test project's Debug build computes the expected values
/// with the latter).</summary>
public class PoolTests
{
    private sealed record Case(string Name, bool Max, int Size, int Stride, int C, int H, int W, int OutH, int OutW);

    private static readonly Case[] Cases =
    [
        .. from ow in new[] { 1, 3, 4, 5, 9, 14, 17 }
           from kind in new (bool Max, int Size, int Stride)[]
           {
               (true, 2, 2), (false, 2, 2), (true, 3, 2), (false, 3, 2), (true, 2, 1), (false, 3, 1),
               (true, 5, 2), (false, 5, 1), (true, 1, 2), (false, 2, 3),
           }
           let oh = 2
           select new Case($"{(kind.Max ? "Max" : "Avg")}{kind.Size}S{kind.Stride}W{ow}", kind.Max, kind.Size, kind.Stride,
                           2, (oh - 1) * kind.Stride + kind.Size, (ow - 1) * kind.Stride + kind.Size, oh, ow),
    ];

    private static readonly Lazy<Assembly> Compiled = new(() => Harness.Load(string.Join("\n", Cases.Select(c =>
        $"namespace Pools {{ using ConvNet; [Input({c.C}, {c.H}, {c.W})] [{(c.Max ? "MaxPool" : "AvgPool")}({c.Size}, Stride = {c.Stride})] public partial class {c.Name} {{ }} }}"))));

    public static TheoryData<string> Names => [.. Cases.Select(c => c.Name)];

    [Theory, MemberData(nameof(Names))]
    public void Forward_and_backward_are_the_plain_loops_bits(string name)
    {
        var c = Cases.Single(k => k.Name == name);
        var net = Harness.Create(Compiled.Value, "Pools." + name);
        var rng = new Random(Array.IndexOf(Cases, c) * 7919 + 1);
        for (int trial = 0; trial < 20; trial++)
        {
            var input = Specials(rng, net.InputLength);
            var dOut = Specials(rng, net.OutputLength);
            var output = new float[net.OutputLength];
            var dInput = new float[net.InputLength];
            net.Forward(input, output);
            net.Backward(dOut, dInput);
            var (expected, expectedDInput) = Loops(c, input, dOut);
            AssertBits(expected, output, $"{name} trial {trial} output");
            AssertBits(expectedDInput, dInput, $"{name} trial {trial} dInput");
        }
    }

    /// <summary>Mostly -1, 0 and 1 (ties in most windows), then -0, infinities and NaNs of both signs with random payloads.</summary>
    private static float[] Specials(Random rng, int length) => [.. Enumerable.Range(0, length).Select(_ => rng.Next(12) switch
    {
        < 6 => rng.Next(-1, 2),
        6 => -0f,
        7 => float.PositiveInfinity,
        8 => float.NegativeInfinity,
        9 => BitConverter.Int32BitsToSingle(0x7FC00000 | rng.Next(1 << 22) | (rng.Next(2) << 31)),
        _ => (float)rng.NextDouble() * 4 - 2,
    })];

    /// <summary>The layer as one scalar loop per window: max from the first element by MathF.Max, the gradient to the
    /// first maximum in row-major order (the first NaN, if any); sum from 0f, divided by size*size, each element of the
    /// window getting gradient / (size*size); gradients accumulate into a cleared dInput in window order.</summary>
    private static (float[] Output, float[] DInput) Loops(Case c, float[] x, float[] g)
    {
        var y = new float[c.C * c.OutH * c.OutW];
        var dx = new float[x.Length];
        for (int ch = 0; ch < c.C; ch++)
            for (int oy = 0; oy < c.OutH; oy++)
                for (int ox = 0; ox < c.OutW; ox++)
                {
                    var window = new List<int>();
                    for (int ky = 0; ky < c.Size; ky++)
                        for (int kx = 0; kx < c.Size; kx++) window.Add((ch * c.H + oy * c.Stride + ky) * c.W + ox * c.Stride + kx);
                    int o = (ch * c.OutH + oy) * c.OutW + ox;
                    if (c.Max)
                    {
                        float m = x[window[0]];
                        int best = window[0];
                        foreach (int i in window.Skip(1))
                        {
                            m = MathF.Max(m, x[i]);
                            if (x[i] > x[best] || (float.IsNaN(x[i]) && !float.IsNaN(x[best]))) best = i;
                        }
                        y[o] = m;
                        dx[best] += g[o];
                    }
                    else
                    {
                        float sum = 0f;
                        foreach (int i in window) sum += x[i];
                        y[o] = sum / (c.Size * c.Size);
                        float share = g[o] / (c.Size * c.Size);
                        foreach (int i in window) dx[i] += share;
                    }
                }
        return (y, dx);
    }

    private static void AssertBits(float[] expected, float[] actual, string what)
    {
        for (int i = 0; i < expected.Length; i++)
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i])
                && !(float.IsNaN(expected[i]) && float.IsNaN(actual[i])))
                Assert.Fail($"{what}[{i}] = {actual[i]:R} (0x{BitConverter.SingleToInt32Bits(actual[i]):X8}), expected {expected[i]:R} (0x{BitConverter.SingleToInt32Bits(expected[i]):X8})");
    }
}
