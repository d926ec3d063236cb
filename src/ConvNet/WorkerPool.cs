using System;
using System.Threading.Tasks;

namespace ConvNet;

/// <summary>Runs the workers of a generated network's batch methods.</summary>
public static class WorkerPool
{
    /// <summary>Calls <paramref name="body"/>(state, w) for w in [0, workers), in parallel when workers &gt; 1.</summary>
    public static void Run<TState>(int workers, TState state, Action<TState, int> body)
    {
        if (workers <= 1)
        {
            if (workers == 1) body(state, 0);
            return;
        }
        Parallel.For(0, workers, new ParallelOptions { MaxDegreeOfParallelism = workers }, w => body(state, w));
    }
}
