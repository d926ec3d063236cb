using System;
using System.ComponentModel;
using System.Diagnostics;
using System.Runtime.ExceptionServices;
using System.Threading;

namespace ConvNet;

/// <summary>Infrastructure of generated networks, not meant for your code: runs the workers of a generated network's
/// batch methods on a static pool of persistent threads.</summary>
/// <remarks>
/// <para>Public only because the code generated into your assembly calls it; hidden from IntelliSense.</para>
/// <para>Why not <c>Parallel.For</c>: it allocates on every call (closure, options, task state) and wakes thread-pool
/// threads through the scheduler, which costs tens of microseconds against batch steps of a few hundred. Here the
/// calling thread runs worker 0's share and parked helper threads run the rest; a call allocates nothing once the
/// helpers exist and the state is a reference type (a struct state is boxed once per call).</para>
/// <para>Helpers spin briefly after finishing (the next batch call of a training loop usually follows within
/// microseconds), then block on an event, so an idle pool costs no CPU. One parallel call runs at a time: a call made
/// while another is running (from a second thread, or from inside a worker) runs its workers one after another on the
/// calling thread instead of waiting, so the pool never deadlocks. Either way each worker index runs exactly once, so
/// results depend on the worker count only. An exception thrown by any worker is rethrown on the caller (the first
/// one caught, with its original stack trace) after every worker has finished.</para>
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class WorkerPool
{
    /// <summary>The most threads a call runs on: the caller and 63 helpers. Worker indices beyond it are shared
    /// round-robin, so more workers than this only add per-worker buffers, never parallelism.</summary>
    public const int MaxThreads = 64;

    private const int MaxHelpers = MaxThreads - 1;

    /// <summary>How long a helper, and the caller waiting for helpers, spins before blocking.</summary>
    private static readonly long s_spinTicks = Stopwatch.Frequency / 10_000; // 100 µs

    private static readonly object s_growLock = new();
    private static Helper[] s_helpers = [];
    private static int s_busy;

    // The current job, written by the caller before any helper is released and stable until all have finished.
    private static IJob? s_job;
    private static int s_workers, s_participants, s_pending, s_callerWaiting;
    private static Exception? s_exception;
    private static readonly ManualResetEventSlim s_done = new(false, 0);

    /// <summary>
    /// How many workers a call over <paramref name="items"/> items should use when the user allows
    /// <paramref name="maxDegreeOfParallelism"/> threads: no more than the items, the machine's cores
    /// (<see cref="Environment.ProcessorCount"/>) or <see cref="MaxThreads"/>, since each worker usually carries its own
    /// buffers and workers beyond the threads that can run them only cost memory and time.
    /// </summary>
    /// <returns>A count in [1, ...] for at least one item; 0 for none.</returns>
    public static int Workers(int maxDegreeOfParallelism, int items)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxDegreeOfParallelism);
        ArgumentOutOfRangeException.ThrowIfNegative(items);
        return Math.Min(Math.Min(maxDegreeOfParallelism, items), Math.Min(Environment.ProcessorCount, MaxThreads));
    }

    /// <summary>Calls <paramref name="body"/>(state, w) for w in [0, workers), in parallel when workers &gt; 1.</summary>
    public static void Run<TState>(int workers, TState state, Action<TState, int> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (workers <= 1)
        {
            if (workers == 1) body(state, 0);
            return;
        }
        if (Interlocked.CompareExchange(ref s_busy, 1, 0) != 0)
        {
            // Another parallel call is running (or this is a nested call): run inline rather than wait for it.
            for (int w = 0; w < workers; w++) body(state, w);
            return;
        }
        var job = Job<TState>.Cached ??= new Job<TState>();
        job.State = state;
        job.Body = body;
        try
        {
            RunParallel(job, workers);
        }
        finally
        {
            job.State = default!;
            job.Body = null;
            Volatile.Write(ref s_busy, 0);
        }
    }

    private static void RunParallel(IJob job, int workers)
    {
        int helpers = Math.Min(workers - 1, MaxHelpers);
        var pool = EnsureHelpers(helpers);
        s_job = job;
        s_workers = workers;
        s_participants = helpers + 1;
        s_exception = null;
        s_callerWaiting = 0;
        s_done.Reset();
        Volatile.Write(ref s_pending, helpers);
        for (int i = 0; i < helpers; i++) pool[i].Release();

        Execute(job, 0, workers, helpers + 1);
        WaitForHelpers();
        s_job = null;
        if (s_exception is { } e)
        {
            s_exception = null;
            ExceptionDispatchInfo.Throw(e);
        }
    }

    /// <summary>Runs worker indices participant, participant + stride, ...; records the first exception.</summary>
    private static void Execute(IJob job, int participant, int workers, int stride)
    {
        for (int w = participant; w < workers; w += stride)
        {
            try
            {
                job.Execute(w);
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref s_exception, e, null);
            }
        }
    }

    private static void WaitForHelpers()
    {
        if (Volatile.Read(ref s_pending) == 0) return;
        long until = Stopwatch.GetTimestamp() + s_spinTicks;
        var spinner = new SpinWait();
        while (Stopwatch.GetTimestamp() < until)
        {
            if (Volatile.Read(ref s_pending) == 0) return;
            spinner.SpinOnce(sleep1Threshold: -1);
        }
        // Dekker handshake with the last helper: either it sees s_callerWaiting and sets s_done, or we see s_pending == 0.
        Interlocked.Exchange(ref s_callerWaiting, 1);
        if (Volatile.Read(ref s_pending) != 0) s_done.Wait();
    }

    private static void HelperFinished()
    {
        if (Interlocked.Decrement(ref s_pending) == 0 && Volatile.Read(ref s_callerWaiting) != 0) s_done.Set();
    }

    private static Helper[] EnsureHelpers(int count)
    {
        var pool = Volatile.Read(ref s_helpers);
        if (pool.Length >= count) return pool;
        lock (s_growLock)
        {
            pool = s_helpers;
            if (pool.Length >= count) return pool;
            var grown = new Helper[count];
            Array.Copy(pool, grown, pool.Length);
            for (int i = pool.Length; i < count; i++) grown[i] = new Helper(i + 1);
            Volatile.Write(ref s_helpers, grown);
            return grown;
        }
    }

    private interface IJob
    {
        void Execute(int worker);
    }

    /// <summary>One per state type, reused by every call (only one parallel call runs at a time).</summary>
    private sealed class Job<TState> : IJob
    {
        public static Job<TState>? Cached;
        public TState State = default!;
        public Action<TState, int>? Body;

        public void Execute(int worker) => Body!(State, worker);
    }

    /// <summary>A persistent background thread that runs participant <see cref="_participant"/>'s share of each job it is released for.</summary>
    private sealed class Helper
    {
        private readonly int _participant;
        private readonly ManualResetEventSlim _wake = new(false, 0);
        private int _ticket, _sleeping;

        public Helper(int participant)
        {
            _participant = participant;
            new Thread(Loop) { IsBackground = true, Name = $"ConvNet worker {participant}" }.Start();
        }

        public void Release()
        {
            Interlocked.Increment(ref _ticket);
            // Dekker handshake with Loop: either the helper sees the new ticket before sleeping, or we see it asleep.
            if (Volatile.Read(ref _sleeping) != 0) _wake.Set();
        }

        private void Loop()
        {
            int seen = 0;
            while (true)
            {
                seen = WaitForTicket(seen);
                Execute(s_job!, _participant, s_workers, s_participants);
                HelperFinished();
            }
        }

        private int WaitForTicket(int seen)
        {
            long until = Stopwatch.GetTimestamp() + s_spinTicks;
            var spinner = new SpinWait();
            while (true)
            {
                int ticket = Volatile.Read(ref _ticket);
                if (ticket != seen) return ticket;
                if (Stopwatch.GetTimestamp() < until)
                {
                    spinner.SpinOnce(sleep1Threshold: -1);
                    continue;
                }
                _wake.Reset();
                Interlocked.Exchange(ref _sleeping, 1);
                if (Volatile.Read(ref _ticket) == seen) _wake.Wait();
                Volatile.Write(ref _sleeping, 0);
                until = Stopwatch.GetTimestamp() + s_spinTicks;
            }
        }
    }
}
