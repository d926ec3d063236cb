using System;
using System.Collections.Generic;
using System.Linq;
using CsCheck;
using Xunit;

namespace ConvNet.Tests;

/// <summary>Random valid networks, generated as source, compiled in memory with the generator, loaded, and compared
/// with the reference. All cases go into one compilation (compiling is the slow part); a failure names the case's source.</summary>
public class PropertyTests
{
    /// <summary>Builds a valid network layer by layer: each candidate is kept only if its output side is whole.</summary>
    private static readonly Gen<ReferenceNetwork> Networks =
        Gen.Select(Gen.Int[1, 4], Gen.Int[1, 14], Gen.Int[1, 14], Gen.Int[1, 5],
                   Gen.Int.Array[12, 12]).Select((c, h, w, count, draws) => Build(c, h, w, count, draws));

    private static ReferenceNetwork Build(int c, int h, int w, int count, int[] draws)
    {
        var layers = new List<RefLayer>();
        (int C, int H, int W) shape = (c, h, w);
        int d = 0;
        int Next(int max) => (int)((uint)draws[d++ % draws.Length] % (uint)max);
        for (int i = 0; i < count; i++)
        {
            RefLayer candidate = Next(7) switch
            {
                0 or 1 => RefLayer.Conv(1 + Next(5), 1 + Next(4), 1 + Next(3), Next(3)),
                2 => RefLayer.MaxPool(1 + Next(3), 1 + Next(3)),
                3 => RefLayer.AvgPool(1 + Next(3), 1 + Next(3)),
                4 => RefLayer.Fc(1 + Next(6)),
                5 => RefLayer.Relu,
                _ => Next(2) == 0 ? RefLayer.Tanh : RefLayer.Sigmoid,
            };
            try
            {
                var probe = new ReferenceNetwork(shape, candidate);
                layers.Add(candidate);
                shape = probe.Shapes[1];
            }
            catch (ArgumentException)
            {
                // Does not fit this input; the next draw tries another layer.
            }
        }
        return new ReferenceNetwork((c, h, w), [.. layers]);
    }

    [Fact]
    public void Random_networks_match_the_reference()
    {
        // A fixed stream, so every run checks the same 40 networks (raise the count locally to search wider).
        var networks = Networks.Array[40, 40].Generate(new PCG(20261129), null, out _);
        var kinds = networks.SelectMany(n => n.Layers).Select(l => l.Kind).ToList();
        Assert.True(kinds.Count >= 60, $"only {kinds.Count} layers drawn");
        // Every kind the chain draw above chooses from; the graph kinds (Add, Concat, BatchNorm, ...) have their own tests.
        LayerKind[] chainKinds = [LayerKind.Conv, LayerKind.MaxPool, LayerKind.AvgPool, LayerKind.FullyConnected, LayerKind.Relu, LayerKind.Sigmoid, LayerKind.Tanh];
        Assert.Equal(chainKinds.Order(), kinds.Distinct().Order());
        // Random draws legitimately include empty networks (CNN010) and padding past the filter (CNN009).
        var assembly = Harness.Load(string.Join("\n", networks.Select((n, i) => n.Source($"Random{i}", $"Property{i}"))), "CNN009", "CNN010");
        for (int i = 0; i < networks.Length; i++)
        {
            var r = networks[i];
            var net = Harness.Create(assembly, $"Property{i}.Random{i}");
            var rng = new Random(i);
            var noise = Numerics.Uniform(rng, net.Parameters.Length);
            for (int k = 0; k < noise.Length; k++) net.Parameters[k] += 0.1f * noise[k];
            var input = Numerics.Uniform(rng, net.InputLength);
            var dOut = Numerics.Uniform(rng, net.OutputLength);
            var output = new float[net.OutputLength];
            var dInput = new float[net.InputLength];
            try
            {
                net.Forward(input, output);
                net.Backward(dOut, dInput);
                var acts = r.Forward(net.Parameters, input);
                var (refDInput, refDParams) = r.Backward(net.Parameters, acts, dOut.Select(v => (double)v).ToArray());
                Numerics.AssertClose(acts[^1], output, "output");
                Numerics.AssertClose(refDInput, dInput, "dInput");
                Numerics.AssertClose(refDParams, net.Gradients, "dParameters");
            }
            catch (Exception e)
            {
                throw new Xunit.Sdk.XunitException($"case {i}:\n{r.Source($"Random{i}")}\n{e.Message}");
            }
        }
    }
}
