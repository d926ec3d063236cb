using System;
using System.Linq;
using ConvNet.Generator;
using Xunit;

namespace ConvNet.Tests;

/// <summary>The public contract: attribute names the generator looks for, and what a compiled network exposes.
/// TinyNet is compiled by the real build (this project runs the generator as an analyzer).</summary>
public class ContractTests
{
    [Fact]
    public void Generator_attribute_names_match_the_runtime_types()
    {
        Assert.Equal(KnownNames.Input, typeof(InputAttribute).FullName);
        Assert.Equal(Enum.GetNames<LayerKind>(), Enum.GetNames<ConvNet.Generator.Model.LayerKind>());
        // The generator writes these enums' values into LayerTable by name.
        Assert.Equal(Enum.GetNames<TensorInit>(), Enum.GetNames<ConvNet.Generator.Emit.Layers.TensorInit>());
        Assert.Equal(Enum.GetNames<AutoInit>(), Enum.GetNames<ConvNet.Generator.Emit.Layers.AutoInit>());
        Assert.Equal(Enum.GetNames<OnnxLayout>(), Enum.GetNames<ConvNet.Generator.Emit.Layers.OnnxLayout>());
    }

    /// <summary>Every member the generator adds, private fields included, must be known to CNN011 and CNN013, or a layer or
    /// user member of the same name breaks the generated file with CS0102 or CS0229. The network has every optional part
    /// of the generated class: a Winograd layer (prepared filters), batch norm, dropout and both merges.</summary>
    [Fact]
    public void Every_generated_member_name_is_reserved()
    {
        var assembly = Harness.Load("""
            using ConvNet;
            namespace App;
            [Input(8, 8, 8)]
            [Conv(8, 3, Pad = 1)]
            [BatchNorm]
            [Relu]
            [Conv(8, 3, Pad = 1)]
            [Add("relu1")]
            [Concat("input")]
            [Dropout(0.5)]
            [FullyConnected(10)]
            public partial class Full { }
            """);
        var type = assembly.GetType("App.Full", throwOnError: true)!;
        const System.Reflection.BindingFlags All = System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic
            | System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.DeclaredOnly;
        var layerClasses = new[] { "Conv1", "Bn1", "Relu1", "Conv2", "Add1", "Concat1", "Dropout1", "Fc1" };
        var names = type.GetMembers(All)
            .Where(m => m is not System.Reflection.ConstructorInfo && !m.Name.Contains('<') && !m.Name.StartsWith("get_", System.StringComparison.Ordinal)
                        && !m.Name.StartsWith("set_", System.StringComparison.Ordinal)
                        && !m.Name.Contains('.')) // explicit interface implementations
            .Select(m => m.Name).Distinct().Except(layerClasses).Order().ToList();
        Assert.Contains("_prepared", names);
        Assert.Contains("_rngState", names);
        Assert.Equal([], names.Where(n => !ConvNet.Generator.KnownNames.GeneratedMembers.Contains(n)).ToList());
    }

    [Fact]
    public void TinyNet_constants_and_layer_table()
    {
        Assert.Equal(3 * 32 * 32, TinyNet.InputLength);
        Assert.Equal(10, TinyNet.OutputLength);
        Assert.Equal(760, TinyNet.Conv1.ParameterCount);
        Assert.Equal(760 + 10 * 16 * 16 * 10 + 10, TinyNet.ParameterCount);
        Assert.Equal((10, 16, 16), (TinyNet.Pool1.Channels, TinyNet.Pool1.Height, TinyNet.Pool1.Width));
        Assert.Equal(2L * 760 * 32 * 32 - 2L * 10 * 32 * 32 + 2L * 2560 * 10, TinyNet.Flops);
        Assert.Equal(4L * (3072 + 10240 + 10240 + 2560 + 10), TinyNet.ActivationBytes);
        Assert.StartsWith("conv1  Conv 10@5x5 s1 p2   3x32x32 -> 10x32x32    760 params", TinyNet.Summary);
        // The totals are the constants above, written out: 760 + 25,610 parameters, conv 1,536,000 + FC 51,200 FLOPs.
        Assert.EndsWith("\ntotal: 26,370 params, 1,587,200 FLOPs, 26,122 activation floats per sample", TinyNet.Summary);
        Assert.Equal(["conv1.weight", "conv1.bias", "fc1.weight", "fc1.bias"], TinyNet.LayerTable.SelectMany(l => l.Tensors).Select(t => t.Name));
        Assert.Equal([10, 3, 5, 5], TinyNet.LayerTable[0].Tensors[0].Dimensions);
    }

    [Fact]
    public void Same_seed_same_weights_and_He_scale()
    {
        var a = new TinyNet(7);
        var b = new TinyNet(7);
        Assert.Equal(a.Parameters, b.Parameters);
        Assert.NotEqual(a.Parameters, new TinyNet(8).Parameters);
        float bound = MathF.Sqrt(6f / 75);
        Assert.All(a.Parameters.Take(750), w => Assert.InRange(w, -bound, bound));
        Assert.All(a.Parameters.Skip(750).Take(10), w => Assert.Equal(0f, w));
    }

    [Fact]
    public void Wrong_span_lengths_throw_before_anything_is_written()
    {
        var net = new TinyNet();
        var output = Enumerable.Repeat(42f, TinyNet.OutputLength).ToArray();
        var ex = Assert.Throws<ArgumentException>(() => net.Forward(new float[TinyNet.InputLength - 1], output));
        Assert.Contains("3072", ex.Message);
        Assert.Equal("input", ex.ParamName);
        Assert.All(output, v => Assert.Equal(42f, v));
        ex = Assert.Throws<ArgumentException>(() => net.Forward(new float[TinyNet.InputLength], new float[11]));
        Assert.Equal("output", ex.ParamName);
        Assert.Throws<ArgumentException>(() => net.Forward(new float[2 * TinyNet.InputLength], new float[3 * TinyNet.OutputLength], 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => net.Forward([], [], -1));
    }

    [Fact]
    public void Backward_before_Forward_throws_and_leaves_gradients()
    {
        var net = new TinyNet();
        var ex = Assert.Throws<InvalidOperationException>(() => net.Backward(new float[TinyNet.OutputLength], new float[TinyNet.InputLength]));
        Assert.Contains("Forward", ex.Message);
        Assert.Throws<InvalidOperationException>(() => net.Backward(new float[4 * TinyNet.OutputLength], [], 4));
        Assert.All(net.Gradients, g => Assert.Equal(0f, g));
    }

    [Fact]
    public void Empty_input_gradient_skips_that_work_and_gradients_accumulate()
    {
        var net = new TinyNet();
        var input = Enumerable.Range(0, TinyNet.InputLength).Select(i => (i % 13) / 13f).ToArray();
        var dOut = Enumerable.Range(0, TinyNet.OutputLength).Select(i => i - 4.5f).ToArray();
        net.Forward(input, new float[TinyNet.OutputLength]);
        net.Backward(dOut, []);
        var once = (float[])net.Gradients.Clone();
        net.Backward(dOut, []);
        // Backward adds into Gradients element by element, so the second pass may round differently from 2 * once.
        Numerics.AssertClose(once.Select(g => 2.0 * g).ToArray(), net.Gradients, "accumulated gradients");
        net.ZeroGradients();
        Assert.All(net.Gradients, g => Assert.Equal(0f, g));
    }

    [Fact]
    public void Input_and_output_may_overlap()
    {
        var net = new TinyNet();
        var buffer = Enumerable.Range(0, TinyNet.InputLength).Select(i => (i % 5) / 5f).ToArray();
        var expected = new float[TinyNet.OutputLength];
        net.Forward(buffer, expected);
        net.Forward(buffer, buffer.AsSpan(0, TinyNet.OutputLength));
        Assert.Equal(expected, buffer.Take(TinyNet.OutputLength));
    }

    [Fact]
    public void Two_instances_on_two_threads_give_identical_bits()
    {
        var input = Enumerable.Range(0, TinyNet.InputLength).Select(i => MathF.Sin(i)).ToArray();
        float[] Run()
        {
            var net = new TinyNet(3);
            var output = new float[TinyNet.OutputLength];
            for (int k = 0; k < 20; k++) net.Forward(input, output);
            return output;
        }
        var results = new float[2][];
        var threads = Enumerable.Range(0, 2).Select(t => new System.Threading.Thread(() => results[t] = Run())).ToArray();
        foreach (var t in threads) t.Start();
        foreach (var t in threads) t.Join();
        Assert.Equal(results[0], results[1]);
    }
}

[Input(3, 32, 32)]
[Conv(10, 5, Pad = 2)]
[Relu]
[MaxPool(2)]
[FullyConnected(10)]
public partial class TinyNet { }
