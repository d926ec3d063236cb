using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using Xunit;
using Xunit.Abstractions;

namespace ConvNet.Tests;

/// <summary>AlexNet and VGG-16 generate, compile cleanly, and keep every method small enough for the JIT to optimise.
/// Running them (138M parameters for VGG-16) is the benchmark project's <c>bignets</c> mode, which also asks the JIT itself.</summary>
public class BigNetTests(ITestOutputHelper log)
{
    /// <summary>Above 60,000 bytes of IL the JIT gives up optimising a method (DEFAULT_MIN_OPTS_CODE_AMOUNT); its other
    /// MinOpts limits are 2,000 locals, 20,000 basic blocks and 8,000 local references, so locals are checked too.</summary>
    private const int MinOptsIlBytes = 60_000, MinOptsLocals = 2_000;

    /// <summary>Both networks in one compilation, generated once for both tests.</summary>
    private static readonly Lazy<(Harness.Result Result, Assembly Assembly)> Compiled = new(() =>
    {
        var result = Harness.Run(BigNets.AlexNet(227), BigNets.Vgg16());
        return (result, Harness.Load(result));
    });

    [Theory]
    [InlineData("AlexNet")]
    [InlineData("Vgg16")]
    public void Every_generated_method_stays_under_the_JIT_MinOpts_limits(string name)
    {
        var type = Compiled.Value.Assembly.GetType(name, throwOnError: true)!;
        var methods = Methods(type).Select(m => (Name: $"{m.DeclaringType!.Name}.{m.Name}", Body: m.GetMethodBody())).Where(m => m.Body is not null).ToList();
        var largest = methods.MaxBy(m => m.Body!.GetILAsByteArray()!.Length);
        var mostLocals = methods.MaxBy(m => m.Body!.LocalVariables.Count);
        log.WriteLine($"{name}: {methods.Count} methods; largest IL {largest.Body!.GetILAsByteArray()!.Length} bytes ({largest.Name}); most locals {mostLocals.Body!.LocalVariables.Count} ({mostLocals.Name})");
        Assert.True(methods.Count > 20, "the nested layer and kernel classes were found");
        Assert.All(methods, m => Assert.True(m.Body!.GetILAsByteArray()!.Length < MinOptsIlBytes, $"{m.Name}: {m.Body.GetILAsByteArray()!.Length} bytes of IL"));
        Assert.All(methods, m => Assert.True(m.Body!.LocalVariables.Count < MinOptsLocals, $"{m.Name}: {m.Body.LocalVariables.Count} locals"));
    }

    [Fact]
    public void Vgg16_has_the_published_parameter_count_and_shapes()
    {
        var result = Compiled.Value.Result;
        Assert.Empty(result.Cnn);
        string source = Assert.Single(result.Generated, g => g.HintName.Contains("Vgg16", StringComparison.Ordinal)).Source;
        log.WriteLine($"Vgg16: {System.Text.Encoding.UTF8.GetByteCount(source):N0} bytes generated");
        Assert.Contains("public const int ParameterCount = 138357544;", source, StringComparison.Ordinal); // torchvision vgg16
        Assert.Contains("public const int InputLength = 150528;", source, StringComparison.Ordinal);
    }

    private static IEnumerable<MethodBase> Methods(Type type)
    {
        const BindingFlags All = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        return type.GetMethods(All).Cast<MethodBase>().Concat(type.GetConstructors(All))
            .Concat(type.GetNestedTypes(All).SelectMany(Methods));
    }
}
