using System;
using System.ComponentModel;
using System.Runtime.Intrinsics;

namespace ConvNet.Internal;

/// <summary>The per-network plumbing every generated class shares: combining the workers' batch norm partials and
/// gradient buffers in worker order, adding deltas, and growing the per-worker buffers. For generated networks only:
/// not part of ConvNet's supported API, and it may change in any version.</summary>
// It was printed into every generated class with the network's constants as literals. Here it is compiled once,
// optimised whatever the user's configuration, and tested on its own; none of it is in a per-sample loop, so the
// literals bought nothing measurable (see ARCHITECTURE.md, "Anatomy of a generated class").
[EditorBrowsable(EditorBrowsableState.Never)]
public static class NetworkRuntime
{
    /// <summary>dst += src at the widest accelerated vector width.</summary>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    public static void AddInto(ReadOnlySpan<float> src, Span<float> dst)
    {
        if (src.Length != dst.Length) throw new ArgumentException("Delta lengths do not match.", nameof(dst));
        ref float s = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(src);
        ref float d = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(dst);
        if (Vector512.IsHardwareAccelerated) Kernels.Add<Vector512<float>, Vectors.Vec512>(ref s, ref d, src.Length);
        else if (Vector256.IsHardwareAccelerated) Kernels.Add<Vector256<float>, Vectors.Vec256>(ref s, ref d, src.Length);
        else if (Vector128.IsHardwareAccelerated) Kernels.Add<Vector128<float>, Vectors.Vec128>(ref s, ref d, src.Length);
        else Kernels.Add<float, Vectors.Scalar>(ref s, ref d, src.Length);
    }

    /// <summary>Worker <paramref name="worker"/>'s slice of the gradient reduction: adds workers 1 to
    /// <paramref name="workers"/> - 1's buffers into <paramref name="gradients"/>[w·n/W, (w+1)·n/W), in worker order, so the
    /// sum is the same bits on every run with the same thread count (worker 0 accumulated into
    /// <paramref name="gradients"/> itself).</summary>
    /// <exception cref="InvalidOperationException">A buffer's length is not <paramref name="gradients"/>' length.</exception>
    public static void ReduceGradients(float[] gradients, float[][] workerGradients, int workers, int worker)
    {
        int n = gradients.Length;
        int start = (int)((long)worker * n / workers), end = (int)((long)(worker + 1) * n / workers);
        for (int k = 1; k < workers; k++)
        {
            var source = workerGradients[k];
            if (source.Length != n) throw new InvalidOperationException("Gradient buffers do not match the network.");
            AddInto(source.AsSpan(start, end - start), gradients.AsSpan(start, end - start));
        }
    }

    /// <summary>Combines one batch norm layer's per-worker means and squared deviations (Chan's formula, in worker order,
    /// so the same bits on every run with the same thread count) into the mean and inverse standard deviation in
    /// <paramref name="stats"/>, then updates the running statistics in <paramref name="buffers"/> as PyTorch does
    /// (unbiased variance, count + 1). Worker w's partials cover samples [w·n/W, (w+1)·n/W) of the batch's
    /// <paramref name="samples"/>, each of <paramref name="spatial"/> pixels per channel.</summary>
    public static void CombineStatistics(double[][] workerPartials, int workers, int samples, int spatial, int offset, int channels,
        double epsilon, double momentum, float[] stats, float[] buffers, int bufferOffset)
    {
        long total = (long)samples * spatial;
        for (int c = 0; c < channels; c++)
        {
            double mean = 0, squares = 0;
            long seen = 0;
            for (int worker = 0; worker < workers; worker++)
            {
                long n = ((long)(worker + 1) * samples / workers - (long)worker * samples / workers) * spatial, all = seen + n;
                var partial = workerPartials[worker];
                double delta = partial[offset + c] - mean;
                mean += delta * n / all;
                squares += partial[offset + channels + c] + delta * delta * seen * n / all;
                seen = all;
            }
            stats[offset + c] = (float)mean;
            stats[offset + channels + c] = (float)(1.0 / Math.Sqrt(squares / total + epsilon));
            buffers[bufferOffset + c] = (float)((1 - momentum) * buffers[bufferOffset + c] + momentum * mean);
            buffers[bufferOffset + channels + c] = (float)((1 - momentum) * buffers[bufferOffset + channels + c] + momentum * squares / (total - 1));
        }
        buffers[bufferOffset + 2 * channels] += 1f;
    }

    /// <summary>Sums one batch norm layer's per-worker sums of dy and dy·x̂ in worker order into
    /// <paramref name="gradientSums"/> (for its backward) and adds them once into its dBias and dWeight in
    /// <paramref name="gradients"/> (they are sums over the whole batch, not per worker).</summary>
    public static void CombineGradientSums(double[][] workerPartials, int workers, int offset, int channels,
        double[] gradientSums, float[] gradients, int weightOffset)
    {
        for (int c = 0; c < channels; c++)
        {
            double dy = 0, dyx = 0;
            for (int worker = 0; worker < workers; worker++) { dy += workerPartials[worker][offset + c]; dyx += workerPartials[worker][offset + channels + c]; }
            gradientSums[offset + c] = dy;
            gradientSums[offset + channels + c] = dyx;
            gradients[weightOffset + c] += (float)dyx;
            gradients[weightOffset + channels + c] += (float)dy;
        }
    }

    /// <summary>Grows a per-worker array to <paramref name="workers"/> entries, keeping the buffers it has and creating the
    /// others with <paramref name="create"/> (given the worker's index). Buffers only grow, so repeated batches of the
    /// same size allocate nothing.</summary>
    public static T[][] Grow<T>(T[][] buffers, int workers, Func<int, T[]> create)
    {
        if (buffers.Length >= workers) return buffers;
        var grown = new T[workers][];
        for (int i = 0; i < workers; i++) grown[i] = i < buffers.Length ? buffers[i] : create(i);
        return grown;
    }
}
