using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ConvNet.Internal;

/// <summary>One SIMD width as static operations; kernels generic over it are compiled once per width. For generated
/// networks only: not part of ConvNet's supported API, and it may change in any version.</summary>
// TensorPrimitives' operator-struct pattern: kernels are generic over IVectorOps, so one kernel body is JIT-compiled once
// per width with the width a constant, and the dispatch on IsHardwareAccelerated (also a JIT-time constant) costs
// nothing. Every operation but Count is AggressiveInlining, so a kernel compiles to the bare vector instructions.
// The deinterleaving loads and interleaving stores of stride-2 pooling take one two-source permute per vector on x86
// (AVX-512 vpermt2ps, AVX2 vshufps + vpermpd, SSE shufps/unpck), else two single-source shuffles and a blend, which any
// platform has.
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Vectors
{
    /// <summary>The operations of one vector width TV (a Vector512/256/128 of float, or float itself).</summary>
    public interface IVectorOps<TV> where TV : struct
    {
        /// <summary>Lanes per vector.</summary>
        static abstract int Count { get; }

        /// <summary>Count floats from source[offset], unaligned, unchecked.</summary>
        static abstract TV Load(ref float source, nint offset);

        /// <summary>Stores Count floats at destination[offset], unaligned, unchecked.</summary>
        static abstract void Store(TV value, ref float destination, nint offset);

        /// <summary>value in every lane.</summary>
        static abstract TV Broadcast(float value);

        /// <summary>a * b + c, fused where the hardware has FMA (exact either way on small integers).</summary>
        static abstract TV MultiplyAdd(TV a, TV b, TV c);

        /// <summary>a + b per lane.</summary>
        static abstract TV Add(TV a, TV b);

        /// <summary>a - b per lane.</summary>
        static abstract TV Subtract(TV a, TV b);

        /// <summary>The sum of the lanes.</summary>
        static abstract float Sum(TV value);

        /// <summary>Zeroes all lanes but the last lanes ones: the part of an overlapping last vector not yet counted.</summary>
        static abstract TV KeepLast(TV value, int lanes);

        /// <summary>x &lt; 0 ? 0 : x per lane, so NaN passes through as in the scalar code.</summary>
        static abstract TV Relu(TV x);

        /// <summary>y &gt; 0 ? g : 0 per lane.</summary>
        static abstract TV ReluBackward(TV y, TV g);

        /// <summary>MathF.Max per lane, to the bit: NaN propagates (the first operand's if both are), +0 beats -0.</summary>
        static abstract TV Max(TV a, TV b);

        /// <summary>a / b per lane.</summary>
        static abstract TV Divide(TV a, TV b);

        /// <summary>source[offset + 2i] for i &lt; Count (stride-2 pooling); may read all 2 * Count floats from offset.</summary>
        static abstract TV LoadEvens(ref float source, nint offset);

        /// <summary>source[offset + 2i + 1] for i &lt; Count; may read all 2 * Count floats from offset.</summary>
        static abstract TV LoadOdds(ref float source, nint offset);

        /// <summary>destination[offset + 2i] = even[i], destination[offset + 2i + 1] = odd[i] for i &lt; Count.</summary>
        static abstract void StoreInterleaved(TV even, TV odd, ref float destination, nint offset);

        /// <summary>Where v is max (NaN matching NaN), returns gradient and zeroes it, so a later tie gets nothing; elsewhere 0.</summary>
        static abstract TV Claim(TV v, TV max, ref TV gradient);
    }

    /// <summary>The operations on Vector512&lt;float&gt;.</summary>
    public readonly struct Vec512 : IVectorOps<Vector512<float>>
    {
        /// <inheritdoc/>
        public static int Count => 16;

        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Load(ref float source, nint offset) => Vector512.LoadUnsafe(ref source, (nuint)offset);

        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Store(Vector512<float> value, ref float destination, nint offset) => Vector512.StoreUnsafe(value, ref destination, (nuint)offset);

        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Broadcast(float value) => Vector512.Create(value);

        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> MultiplyAdd(Vector512<float> a, Vector512<float> b, Vector512<float> c) => Vector512.MultiplyAddEstimate(a, b, c);

        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Add(Vector512<float> a, Vector512<float> b) => a + b;

        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Subtract(Vector512<float> a, Vector512<float> b) => a - b;

        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float Sum(Vector512<float> value) => Vector512.Sum(value);

        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> KeepLast(Vector512<float> value, int lanes) => value & Vector512.AsSingle(Vector512.GreaterThanOrEqual(Vector512<int>.Indices, Vector512.Create(16 - lanes)));

        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Relu(Vector512<float> x) => Vector512.AndNot(x, Vector512.LessThan(x, Vector512<float>.Zero));

        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> ReluBackward(Vector512<float> y, Vector512<float> g) => g & Vector512.GreaterThan(y, Vector512<float>.Zero);

        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Max(Vector512<float> a, Vector512<float> b) => Vector512.Max(a, b);

        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Divide(Vector512<float> a, Vector512<float> b) => a / b;

        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> LoadEvens(ref float source, nint offset)
        {
            Vector512<float> a = Vector512.LoadUnsafe(ref source, (nuint)offset), b = Vector512.LoadUnsafe(ref source, (nuint)(offset + 16));
            return Avx512F.IsSupported ? Avx512F.PermuteVar16x32x2(a, Vector512<int>.Indices * 2, b) : Unzip(a, b, 0);
        }

        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> LoadOdds(ref float source, nint offset)
        {
            Vector512<float> a = Vector512.LoadUnsafe(ref source, (nuint)offset), b = Vector512.LoadUnsafe(ref source, (nuint)(offset + 16));
            return Avx512F.IsSupported ? Avx512F.PermuteVar16x32x2(a, Vector512<int>.Indices * 2 + Vector512<int>.One, b) : Unzip(a, b, 1);
        }

        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void StoreInterleaved(Vector512<float> even, Vector512<float> odd, ref float destination, nint offset)
        {
            Vector512.StoreUnsafe(Avx512F.IsSupported ? Avx512F.PermuteVar16x32x2(even, (Vector512<int>.Indices >> 1) + ((Vector512<int>.Indices & Vector512<int>.One) << 4), odd) : Zip(even, odd, 0), ref destination, (nuint)offset);
            Vector512.StoreUnsafe(Avx512F.IsSupported ? Avx512F.PermuteVar16x32x2(even, (Vector512<int>.Indices >> 1) + ((Vector512<int>.Indices & Vector512<int>.One) << 4) + Vector512.Create(8), odd) : Zip(even, odd, 8), ref destination, (nuint)(offset + 16));
        }

        // Without the x86 permutes (Arm64, say): both sources shuffled to their even or odd elements, then the halves blended.
        private static Vector512<float> Unzip(Vector512<float> a, Vector512<float> b, int odd)
        {
            var index = (Vector512<int>.Indices * 2 + Vector512.Create(odd)) & Vector512.Create(15);
            return Vector512.ConditionalSelect(Vector512.AsSingle(Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(8))), Vector512.Shuffle(a, index), Vector512.Shuffle(b, index));
        }

        // Without the x86 permutes: both sources spread to every other lane from element first, then the lanes blended.
        private static Vector512<float> Zip(Vector512<float> even, Vector512<float> odd, int first)
        {
            var index = (Vector512<int>.Indices >> 1) + Vector512.Create(first);
            return Vector512.ConditionalSelect(Vector512.AsSingle(Vector512.Equals(Vector512<int>.Indices & Vector512<int>.One, Vector512<int>.Zero)), Vector512.Shuffle(even, index), Vector512.Shuffle(odd, index));
        }

        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Claim(Vector512<float> v, Vector512<float> max, ref Vector512<float> gradient)
        {
            Vector512<float> hit = Vector512.Equals(v, max) | Vector512.IsNaN(v);
            Vector512<float> taken = gradient & hit;
            gradient = Vector512.AndNot(gradient, hit);
            return taken;
        }
    }

    /// <summary>The operations on Vector256&lt;float&gt;.</summary>
    public readonly struct Vec256 : IVectorOps<Vector256<float>>
    {
        /// <inheritdoc/>
        public static int Count => 8;

        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Load(ref float source, nint offset) => Vector256.LoadUnsafe(ref source, (nuint)offset);

        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Store(Vector256<float> value, ref float destination, nint offset) => Vector256.StoreUnsafe(value, ref destination, (nuint)offset);

        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Broadcast(float value) => Vector256.Create(value);

        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> MultiplyAdd(Vector256<float> a, Vector256<float> b, Vector256<float> c) => Vector256.MultiplyAddEstimate(a, b, c);

        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Add(Vector256<float> a, Vector256<float> b) => a + b;

        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Subtract(Vector256<float> a, Vector256<float> b) => a - b;

        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float Sum(Vector256<float> value) => Vector256.Sum(value);

        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> KeepLast(Vector256<float> value, int lanes) => value & Vector256.AsSingle(Vector256.GreaterThanOrEqual(Vector256<int>.Indices, Vector256.Create(8 - lanes)));

        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Relu(Vector256<float> x) => Vector256.AndNot(x, Vector256.LessThan(x, Vector256<float>.Zero));

        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> ReluBackward(Vector256<float> y, Vector256<float> g) => g & Vector256.GreaterThan(y, Vector256<float>.Zero);

        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Max(Vector256<float> a, Vector256<float> b) => Vector256.Max(a, b);

        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Divide(Vector256<float> a, Vector256<float> b) => a / b;

        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> LoadEvens(ref float source, nint offset)
        {
            Vector256<float> a = Vector256.LoadUnsafe(ref source, (nuint)offset), b = Vector256.LoadUnsafe(ref source, (nuint)(offset + 8));
            // vshufps picks within 128-bit lanes; vpermpd then puts the 64-bit pairs in order.
            return Avx2.IsSupported ? Vector256.AsSingle(Avx2.Permute4x64(Vector256.AsDouble(Avx.Shuffle(a, b, 0b10_00_10_00)), 0b11_01_10_00)) : Unzip(a, b, 0);
        }

        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> LoadOdds(ref float source, nint offset)
        {
            Vector256<float> a = Vector256.LoadUnsafe(ref source, (nuint)offset), b = Vector256.LoadUnsafe(ref source, (nuint)(offset + 8));
            return Avx2.IsSupported ? Vector256.AsSingle(Avx2.Permute4x64(Vector256.AsDouble(Avx.Shuffle(a, b, 0b11_01_11_01)), 0b11_01_10_00)) : Unzip(a, b, 1);
        }

        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void StoreInterleaved(Vector256<float> even, Vector256<float> odd, ref float destination, nint offset)
        {
            Vector256.StoreUnsafe(Avx2.IsSupported ? Avx.Permute2x128(Avx.UnpackLow(even, odd), Avx.UnpackHigh(even, odd), 0x20) : Zip(even, odd, 0), ref destination, (nuint)offset);
            Vector256.StoreUnsafe(Avx2.IsSupported ? Avx.Permute2x128(Avx.UnpackLow(even, odd), Avx.UnpackHigh(even, odd), 0x31) : Zip(even, odd, 4), ref destination, (nuint)(offset + 8));
        }

        // Without the x86 permutes (Arm64, say): both sources shuffled to their even or odd elements, then the halves blended.
        private static Vector256<float> Unzip(Vector256<float> a, Vector256<float> b, int odd)
        {
            var index = (Vector256<int>.Indices * 2 + Vector256.Create(odd)) & Vector256.Create(7);
            return Vector256.ConditionalSelect(Vector256.AsSingle(Vector256.LessThan(Vector256<int>.Indices, Vector256.Create(4))), Vector256.Shuffle(a, index), Vector256.Shuffle(b, index));
        }

        // Without the x86 permutes: both sources spread to every other lane from element first, then the lanes blended.
        private static Vector256<float> Zip(Vector256<float> even, Vector256<float> odd, int first)
        {
            var index = (Vector256<int>.Indices >> 1) + Vector256.Create(first);
            return Vector256.ConditionalSelect(Vector256.AsSingle(Vector256.Equals(Vector256<int>.Indices & Vector256<int>.One, Vector256<int>.Zero)), Vector256.Shuffle(even, index), Vector256.Shuffle(odd, index));
        }

        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Claim(Vector256<float> v, Vector256<float> max, ref Vector256<float> gradient)
        {
            Vector256<float> hit = Vector256.Equals(v, max) | Vector256.IsNaN(v);
            Vector256<float> taken = gradient & hit;
            gradient = Vector256.AndNot(gradient, hit);
            return taken;
        }
    }

    /// <summary>The operations on Vector128&lt;float&gt;.</summary>
    public readonly struct Vec128 : IVectorOps<Vector128<float>>
    {
        /// <inheritdoc/>
        public static int Count => 4;

        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<float> Load(ref float source, nint offset) => Vector128.LoadUnsafe(ref source, (nuint)offset);

        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Store(Vector128<float> value, ref float destination, nint offset) => Vector128.StoreUnsafe(value, ref destination, (nuint)offset);

        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<float> Broadcast(float value) => Vector128.Create(value);

        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<float> MultiplyAdd(Vector128<float> a, Vector128<float> b, Vector128<float> c) => Vector128.MultiplyAddEstimate(a, b, c);

        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<float> Add(Vector128<float> a, Vector128<float> b) => a + b;

        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<float> Subtract(Vector128<float> a, Vector128<float> b) => a - b;

        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float Sum(Vector128<float> value) => Vector128.Sum(value);

        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<float> KeepLast(Vector128<float> value, int lanes) => value & Vector128.AsSingle(Vector128.GreaterThanOrEqual(Vector128<int>.Indices, Vector128.Create(4 - lanes)));

        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<float> Relu(Vector128<float> x) => Vector128.AndNot(x, Vector128.LessThan(x, Vector128<float>.Zero));

        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<float> ReluBackward(Vector128<float> y, Vector128<float> g) => g & Vector128.GreaterThan(y, Vector128<float>.Zero);

        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<float> Max(Vector128<float> a, Vector128<float> b) => Vector128.Max(a, b);

        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<float> Divide(Vector128<float> a, Vector128<float> b) => a / b;

        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<float> LoadEvens(ref float source, nint offset)
        {
            Vector128<float> a = Vector128.LoadUnsafe(ref source, (nuint)offset), b = Vector128.LoadUnsafe(ref source, (nuint)(offset + 4));
            return Sse.IsSupported ? Sse.Shuffle(a, b, 0b10_00_10_00) : Unzip(a, b, 0);
        }

        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<float> LoadOdds(ref float source, nint offset)
        {
            Vector128<float> a = Vector128.LoadUnsafe(ref source, (nuint)offset), b = Vector128.LoadUnsafe(ref source, (nuint)(offset + 4));
            return Sse.IsSupported ? Sse.Shuffle(a, b, 0b11_01_11_01) : Unzip(a, b, 1);
        }

        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void StoreInterleaved(Vector128<float> even, Vector128<float> odd, ref float destination, nint offset)
        {
            Vector128.StoreUnsafe(Sse.IsSupported ? Sse.UnpackLow(even, odd) : Zip(even, odd, 0), ref destination, (nuint)offset);
            Vector128.StoreUnsafe(Sse.IsSupported ? Sse.UnpackHigh(even, odd) : Zip(even, odd, 2), ref destination, (nuint)(offset + 4));
        }

        // Without the x86 permutes (Arm64, say): both sources shuffled to their even or odd elements, then the halves blended.
        private static Vector128<float> Unzip(Vector128<float> a, Vector128<float> b, int odd)
        {
            var index = (Vector128<int>.Indices * 2 + Vector128.Create(odd)) & Vector128.Create(3);
            return Vector128.ConditionalSelect(Vector128.AsSingle(Vector128.LessThan(Vector128<int>.Indices, Vector128.Create(2))), Vector128.Shuffle(a, index), Vector128.Shuffle(b, index));
        }

        // Without the x86 permutes: both sources spread to every other lane from element first, then the lanes blended.
        private static Vector128<float> Zip(Vector128<float> even, Vector128<float> odd, int first)
        {
            var index = (Vector128<int>.Indices >> 1) + Vector128.Create(first);
            return Vector128.ConditionalSelect(Vector128.AsSingle(Vector128.Equals(Vector128<int>.Indices & Vector128<int>.One, Vector128<int>.Zero)), Vector128.Shuffle(even, index), Vector128.Shuffle(odd, index));
        }

        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<float> Claim(Vector128<float> v, Vector128<float> max, ref Vector128<float> gradient)
        {
            Vector128<float> hit = Vector128.Equals(v, max) | Vector128.IsNaN(v);
            Vector128<float> taken = gradient & hit;
            gradient = Vector128.AndNot(gradient, hit);
            return taken;
        }
    }

    /// <summary>Width 1: the fallback when no vector width is accelerated, and for dimensions shorter than a Vector128.</summary>
    public readonly struct Scalar : IVectorOps<float>
    {
        /// <inheritdoc/>
        public static int Count => 1;

        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float Load(ref float source, nint offset) => Unsafe.Add(ref source, offset);

        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Store(float value, ref float destination, nint offset) => Unsafe.Add(ref destination, offset) = value;

        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float Broadcast(float value) => value;

        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float MultiplyAdd(float a, float b, float c) => a * b + c;

        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float Add(float a, float b) => a + b;

        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float Subtract(float a, float b) => a - b;

        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float Sum(float value) => value;

        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float KeepLast(float value, int lanes) => lanes > 0 ? value : 0f;

        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float Relu(float x) => x < 0f ? 0f : x;

        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float ReluBackward(float y, float g) => y > 0f ? g : 0f;

        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float Max(float a, float b) => MathF.Max(a, b);

        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float Divide(float a, float b) => a / b;

        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float LoadEvens(ref float source, nint offset) => Unsafe.Add(ref source, offset);

        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float LoadOdds(ref float source, nint offset) => Unsafe.Add(ref source, offset + 1);

        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void StoreInterleaved(float even, float odd, ref float destination, nint offset)
        {
            Unsafe.Add(ref destination, offset) = even;
            Unsafe.Add(ref destination, offset + 1) = odd;
        }

        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float Claim(float v, float max, ref float gradient)
        {
            if (v != max && !float.IsNaN(v)) return 0f;
            float taken = gradient;
            gradient = 0f;
            return taken;
        }
    }
}
