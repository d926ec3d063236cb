namespace ConvNet.Generator.Emit;

/// <summary>What emitters need to call the kernels every generated network shares: the names of the runtime library's
/// ConvNet.Internal.Vectors and ConvNet.Internal.Kernels (checked-in code in src/ConvNet/Internal, hidden from
/// IntelliSense), the width dispatch, and the tile sizes generated code must agree with. Generated networks call the
/// kernels by their full names; each generated layer passes its strides and counts as literals.</summary>
internal static class KernelHelpers
{
    /// <summary>The runtime library's namespace for the shared kernels; generated code names them in full, so that no
    /// member of a user's class can hide them.</summary>
    public const string Namespace = "ConvNet.Internal";
    public const string VectorsType = "global::" + Namespace + ".Vectors";
    public const string KernelsType = "global::" + Namespace + ".Kernels";
    /// <summary>The per-network plumbing every generated class shares (batch norm and gradient reductions, delta adds,
    /// per-worker buffers).</summary>
    public const string RuntimeType = "global::" + Namespace + ".NetworkRuntime";
    public const string Ops = VectorsType + ".IVectorOps<TV>";
    public const string Generic = "<TV, V>";
    public const string Constraint = "where TV : struct where V : struct, " + Ops;
    public const string Unsafe = "global::System.Runtime.CompilerServices.Unsafe";
    public const string Marshal = "global::System.Runtime.InteropServices.MemoryMarshal";
    /// <summary>On every kernel that is not inlined: compiled fully optimised on its first call. Tier-0 code of these
    /// generic struct kernels calls every vector operation instead of inlining it, and runs many times slower until
    /// tiering replaces it, which made a training run's first epoch three times slower than the rest.</summary>
    public const string Hot = "[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]";

    /// <summary>Opens a kernel method marked <see cref="Hot"/>.</summary>
    public static void OpenKernel(SourceWriter w, string signature)
    {
        w.Line(Hot);
        w.Open(signature);
    }

    public const string Inline = "[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]";

    /// <summary>Rows and vectors (columns) of the widest GEMM tile at every width, and rows of the dot-product tile:
    /// generated code splits work into blocks of rows (conv filters, a batch chunk) in multiples of them. They must equal
    /// ConvNet.Internal.Kernels.TileRows and .TileVectors (a test checks it).</summary>
    public const int TileRows = 4, TileVectors = 3;

    public const string SpanType = "global::System.Span<float>";
    public const string ReadOnlySpanType = "global::System.ReadOnlySpan<float>";

    /// <summary>A C# boolean literal.</summary>
    public static string Bool(bool value) => value ? "true" : "false";

    /// <summary>The accelerated vector widths, widest first.</summary>
    private static readonly (int Lanes, string Check, string Type, string Ops)[] Widths =
    {
        (16, "global::System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated", "global::System.Runtime.Intrinsics.Vector512<float>", VectorsType + ".Vec512"),
        (8, "global::System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated", "global::System.Runtime.Intrinsics.Vector256<float>", VectorsType + ".Vec256"),
        (4, "global::System.Runtime.Intrinsics.Vector128.IsHardwareAccelerated", "global::System.Runtime.Intrinsics.Vector128<float>", VectorsType + ".Vec128"),
    };

    /// <summary>The if-chain that picks the widest accelerated width whose vector fits <paramref name="minLength"/>
    /// (kernels need at least one whole vector of their vectorised dimension), then scalar.</summary>
    public static void Dispatch(SourceWriter w, int minLength, string method, string args)
    {
        string keyword = "if";
        foreach (var v in Widths)
        {
            if (v.Lanes > minLength) continue;
            w.Line($"{keyword} ({v.Check}) {method}<{v.Type}, {v.Ops}>({args});");
            keyword = "else if";
        }
        w.Line(keyword == "if" ? $"{method}<float, {VectorsType}.Scalar>({args});" : $"else {method}<float, {VectorsType}.Scalar>({args});");
    }
}
