using System;
using System.Collections.Generic;
using System.Linq;
using CsCheck;
using Xunit;
using static ConvNet.Tests.RefLayer;

namespace ConvNet.Tests;

/// <summary>Random valid networks, generated as source, compiled in memory with the generator, loaded, and compared
/// with the reference in evaluation and in training mode. All cases go into one compilation (compiling is the slow
/// part); a failure names the case's source.</summary>
public class PropertyTests
{
    /// <summary>Builds a valid network unit by unit: a single layer, or a branching block (a residual block with or without
    /// a projection shortcut, an inception module of four branches, a fan-out of one volume to three layers). A unit is
    /// kept only if the reference accepts the network with it (every side whole under the window rule, merges fitting).</summary>
    private static readonly Gen<ReferenceNetwork> Networks =
        Gen.Select(Gen.Int[1, 4], Gen.Int[1, 14], Gen.Int[1, 14], Gen.Int[1, 5],
                   Gen.Int.Array[16, 16]).Select((c, h, w, count, draws) => Build(c, h, w, count, draws));

    /// <summary>The activations of unit 5: ReLU and its variants, with their kinks.</summary>
    private static readonly RefLayer[] Piecewise = [Relu, LeakyRelu(), Relu, LeakyRelu(-0.5)];

    private static ReferenceNetwork Build(int c, int h, int w, int count, int[] draws)
    {
        var layers = new List<RefLayer>();
        var network = new ReferenceNetwork((c, h, w));
        int d = 0;
        int Next(int max) => (int)((uint)draws[d++ % draws.Length] % (uint)max);
        RefLayer Activation() => Next(3) switch { 0 => Relu, 1 => Tanh, _ => Sigmoid };
        for (int u = 0; u < count; u++)
        {
            string x = layers.Count == 0 ? ReferenceNetwork.InputName : network.Names[^1];
            int channels = network.Shapes[^1].C;
            RefLayer[] unit = Next(14) switch
            {
                0 or 1 => [Conv(1 + Next(5), 1 + Next(4), 1 + Next(3), Next(3))],
                2 => [MaxPool(1 + Next(3), 1 + Next(3))],
                3 => [AvgPool(1 + Next(3), 1 + Next(3))],
                4 => [Fc(1 + Next(6))],
                // Chosen by position, not by a draw, so the rest of the stream (and the blocks it draws) stays as it was.
                5 => [Piecewise[(u + h + w) % Piecewise.Length]],
                6 => [Next(2) == 0 ? Tanh : Sigmoid],
                7 => [Next(2) == 0 ? BatchNorm() : BatchNorm(epsilon: 1e-3, momentum: 0.25)],
                8 => [Dropout(Next(2) == 0 ? 0.2 : 0.5)],
                9 => [Gap],
                10 => Residual(u, x, channels, Next(2) == 0 ? 0 : 1 + Next(2), 1 + Next(3), Activation(), Next(2) == 0),
                11 => Inception(u, x, [.. Enumerable.Range(0, 5).Select(_ => 1 + Next(3))], Activation(), Next(2) == 0),
                _ => FanOut(u, x, channels, Next(2) == 0 ? Tanh : Sigmoid, Next(2) == 0),
            };
            try
            {
                network = new ReferenceNetwork((c, h, w), [.. layers, .. unit]);
                layers.AddRange(unit);
            }
            catch (ArgumentException)
            {
                // Does not fit this input; the next draw tries another unit.
            }
        }
        return network;
    }

    /// <summary>Two 3x3 convs (with batch norm after each, or not) and an add of the block's input; with a stride > 0, the
    /// first conv strides and a 1x1 conv of the input with the same stride (the projection shortcut) is added instead.</summary>
    private static RefLayer[] Residual(int u, string x, int channels, int stride, int filters, RefLayer activation, bool batchNorm)
    {
        string p = $"res{u}";
        var body = new List<RefLayer> { Conv(stride == 0 ? channels : filters, 3, Math.Max(1, stride), 1).Taking(x) };
        if (batchNorm) body.Add(BatchNorm());
        body.Add(activation);
        body.Add(Conv(stride == 0 ? channels : filters, 3, 1, 1).Named($"{p}.b"));
        if (batchNorm) body.Add(BatchNorm().Named($"{p}.bn"));
        string main = batchNorm ? $"{p}.bn" : $"{p}.b";
        if (stride == 0) return [.. body, Add(x)];
        return [.. body, Conv(filters, 1, stride).Taking(x).Named($"proj{u}"), Add(main)];
    }

    /// <summary>Four branches from the same volume (1x1; 1x1 then 3x3; an identity pool then 1x1; an activation then 3x3),
    /// stacked by one Concat, which takes the last branch as its input or names it among the others.</summary>
    private static RefLayer[] Inception(int u, string x, int[] f, RefLayer activation, bool lastAsInput)
    {
        string p = $"inc{u}";
        RefLayer[] branches =
        [
            Conv(f[0], 1).Taking(x).Named($"{p}.b1"),
            Conv(f[1], 1).Taking(x), activation, Conv(f[2], 3, pad: 1).Named($"{p}.b2"),
            MaxPool(1).Taking(x), Conv(f[3], 1).Named($"{p}.b3"),
            Tanh.Taking(x), Conv(f[4], 3, pad: 1).Named($"{p}.b4"),
        ];
        var concat = lastAsInput ? Concat($"{p}.b1", $"{p}.b2", $"{p}.b3") : Concat($"{p}.b2", $"{p}.b4", $"{p}.b3").Taking($"{p}.b1");
        return [.. branches, concat];
    }

    /// <summary>One volume read by three layers (an activation, a 1x1 conv, and the merge), whose gradients must add up.</summary>
    private static RefLayer[] FanOut(int u, string x, int channels, RefLayer activation, bool add)
    {
        string p = $"fan{u}";
        RefLayer[] readers = [activation.Taking(x).Named($"{p}.a"), Conv(channels, 1).Taking(x).Named($"{p}.b")];
        return add
            ? [.. readers, Add(x).Taking($"{p}.a"), Add($"{p}.b")]
            : [.. readers, Concat($"{p}.a", $"{p}.b").Taking(x)];
    }

    [Fact]
    public void Random_networks_match_the_reference()
    {
        // A fixed stream, so every run checks the same 40 networks (raise the count locally to search wider).
        var networks = Networks.Array[40, 40].Generate(new PCG(0, 20261129), null, out _);
        var kinds = networks.SelectMany(n => n.Layers).Select(l => l.Kind).ToList();
        Assert.True(kinds.Count >= 150, $"only {kinds.Count} layers drawn");
        Assert.Equal(Enum.GetValues<LayerKind>().Length, kinds.Distinct().Count());
        var names = networks.SelectMany(n => n.Names).ToList();
        foreach (string block in new[] { "res", "proj", "inc", "fan" })
            Assert.True(names.Count(n => n.StartsWith(block, StringComparison.Ordinal) && n.EndsWith(block == "res" ? ".b" : "", StringComparison.Ordinal)) >= 2,
                $"fewer than two {block} blocks drawn");
        // Random draws legitimately include empty networks (CNN010) and padding past the filter (CNN009).
        var assembly = Harness.Load(string.Join("\n", networks.Select((n, i) => n.Source($"Random{i}", $"Property{i}"))), "CNN009", "CNN010", "CNN019");
        for (int i = 0; i < networks.Length; i++)
        {
            var r = networks[i];
            var net = Harness.Create(assembly, $"Property{i}.Random{i}", seed: i);
            var rng = new Random(i);
            NumericTests.Perturb(net, rng);
            var input = Numerics.Uniform(rng, net.InputLength);
            var dOut = Numerics.Uniform(rng, net.OutputLength);
            try
            {
                Compare(net, r, input, dOut, training: false);
                if (r.BatchNormPlane == 1)
                {
                    net.Training = true;
                    Assert.Throws<InvalidOperationException>(() => net.Forward(input, new float[net.OutputLength]));
                }
                // Two or three values per channel normalise to nearly fixed values (two to -1 and 1): what reaches the layers
                // below is float cancellation amplified by 1 / std, not a measure of the kernels. BatchNormTests covers small
                // planes over a batch.
                else if (r.BatchNormPlane >= 4) Compare(net, r, input, dOut, training: true);
            }
            catch (Exception e)
            {
                throw new Xunit.Sdk.XunitException($"case {i}:\n{r.Source($"Random{i}")}\n{e.Message}");
            }
        }
    }

    private static void Compare(INetwork net, ReferenceNetwork r, float[] input, float[] dOut, bool training)
    {
        string mode = training ? "training" : "evaluation";
        net.Training = training;
        var buffers = ReferenceNetwork.D(net.Buffers);
        var output = new float[net.OutputLength];
        var dInput = new float[net.InputLength];
        net.Forward(input, output);
        net.ZeroGradients();
        net.Backward(dOut, dInput);
        var p = ReferenceNetwork.D(net.Parameters);
        var pass = r.Run(p, buffers, [ReferenceNetwork.D(input)], training, training ? NumericTests.Masks(net, r) : null);
        var (refDInputs, refDParams) = r.Backward(p, pass, [ReferenceNetwork.D(dOut)]);
        Numerics.AssertClose(pass.Output(), output, $"{mode} output");
        Numerics.AssertClose(refDInputs[0], dInput, $"{mode} dInput");
        // The bias of a layer that feeds training batch norm has a true gradient of 0, a sum of terms of order 1 / std that
        // cancel: in float it is noise of about 1e-5 on a large plane, so those networks' gradients get 1e-4 absolute.
        Numerics.AssertClose(refDParams, net.Gradients, $"{mode} dParameters", atol: training && r.Has(LayerKind.BatchNorm) ? 1e-4 : 1e-5);
        Numerics.AssertClose(pass.Buffers, net.Buffers, $"{mode} buffers");
    }
}
