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
/// calling thread and parked helper threads take the call's items (worker shares, or chunks of samples) one at a time
/// from a shared counter; a call allocates nothing once the helpers exist and the state is a reference type (a struct
/// state is boxed once per call).</para>
/// <para>Claiming, rather than a fixed item per thread, is what keeps a call going when a thread is held back: a helper
/// whose core is busy with another process, or that is slow to wake, leaves its items to the threads that are running,
/// and the caller waits only for items already started. A helper that wakes after the last item was taken does not
/// join the call at all. Which thread runs an item never changes what the item computes.</para>
/// <para>Helpers spin briefly after finishing (the next batch call of a training loop usually follows within
/// microseconds), then block on an event, so an idle pool costs no CPU. One parallel call runs at a time: a call made
/// while another is running (from a second thread, or from inside a worker) runs its items one after another on the
/// calling thread instead of waiting, so the pool never deadlocks. Either way each item runs exactly once. An exception
/// thrown by any item is rethrown on the caller (the first one caught, with its original stack trace) after every
/// started item has finished.</para>
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class WorkerPool
{
    /// <summary>The most threads a call runs on: the caller and 63 helpers. Items beyond it wait for a free thread, so
    /// more workers than this only add per-worker buffers, never parallelism.</summary>
    public const int MaxThreads = 64;

    private const int MaxHelpers = MaxThreads - 1;

    /// <summary>Chunks per thread that <see cref="ChunkLength"/> aims at: a thread slowed down near the end of a call
    /// then holds the others back by about an eighth of its share at most, and claiming stays a few dozen atomic
    /// increments per call.</summary>
    private const int ChunksPerThread = 8;

    /// <summary>How long a helper, and the caller waiting for helpers, spins before blocking.</summary>
    private static readonly long s_spinTicks = Stopwatch.Frequency / 10_000; // 100 µs

    private static readonly object s_growLock = new();
    private static Helper[] s_helpers = [];
    private static int s_busy, s_generation;

    // The current job, written by the caller before it opens the job and stable until it has closed it and every helper
    // that entered has left.
    private static IJob? s_job;
    private static int s_items, s_next, s_callerWaiting;
    // High 32 bits: the generation of the open job, 0 once the caller has closed it; low 32 bits: helpers inside it.
    // One word, so that a helper enters only the job it was released for and only while it is open.
    private static long s_entry;
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

    /// <summary>
    /// How many of <paramref name="items"/> items one chunk should hold when <paramref name="threads"/> threads claim
    /// chunks with <see cref="Run{TState}(int, int, TState, Action{TState, int, int})"/>: about eight chunks per thread,
    /// each a multiple of <paramref name="granule"/> items (the generated code's unit of efficient work), and never more
    /// than the items. Whole granules give way where they would leave a thread without a chunk: 4 items on 2 threads
    /// with a granule of 4 make 2 chunks of 2, not one chunk that one thread runs while the other waits.
    /// </summary>
    /// <returns>A length in [1, max(items, 1)]: all the items for one thread.</returns>
    public static int ChunkLength(int items, int threads, int granule)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(items);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(threads);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(granule);
        if (threads == 1 || items <= 1) return Math.Max(items, 1);
        long chunks = (long)threads * ChunksPerThread;
        long length = (items + chunks - 1) / chunks;
        length = Math.Min((length + granule - 1) / granule * granule, items);
        if ((items + length - 1) / length < threads) length = (items + threads - 1) / threads;
        return (int)length;
    }

    /// <summary>Calls <paramref name="body"/>(state, w) for w in [0, workers), in parallel when workers &gt; 1.</summary>
    public static void Run<TState>(int workers, TState state, Action<TState, int> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        Start(workers, workers, state, body, null);
    }

    /// <summary>Calls <paramref name="body"/>(state, item, thread) for every item in [0, <paramref name="items"/>), on up
    /// to <paramref name="threads"/> threads (at most <see cref="MaxThreads"/>) that claim the items in order, one at a
    /// time, until none is left. <c>thread</c>, in [0, threads), names the thread running the item (for its scratch
    /// memory); no two items run on the same <c>thread</c> at once.</summary>
    public static void Run<TState>(int threads, int items, TState state, Action<TState, int, int> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(threads);
        Start(threads, items, state, null, body);
    }

    private static void Start<TState>(int threads, int items, TState state, Action<TState, int>? byItem, Action<TState, int, int>? byThread)
    {
        if (items <= 0) return;
        threads = Math.Min(Math.Min(threads, items), MaxThreads);
        // One thread, or another parallel call is running (or this is a nested call): run inline rather than wait for it.
        if (threads <= 1 || Interlocked.CompareExchange(ref s_busy, 1, 0) != 0)
        {
            for (int i = 0; i < items; i++)
            {
                if (byThread is null) byItem!(state, i);
                else byThread(state, i, 0);
            }
            return;
        }
        var job = Job<TState>.Cached ??= new Job<TState>();
        job.State = state;
        job.ByItem = byItem;
        job.ByThread = byThread;
        try
        {
            RunParallel(job, threads, items);
        }
        finally
        {
            job.State = default!;
            job.ByItem = null;
            job.ByThread = null;
            Volatile.Write(ref s_busy, 0);
        }
    }

    private static void RunParallel(IJob job, int threads, int items)
    {
        int helpers = threads - 1;
        var pool = EnsureHelpers(helpers);
        s_job = job;
        s_items = items;
        s_next = 0;
        s_exception = null;
        s_callerWaiting = 0;
        s_done.Reset();
        // Generations run 1..int.MaxValue and wrap; 0 is a closed job and a helper's "nothing seen yet".
        int generation = s_generation = s_generation == int.MaxValue ? 1 : s_generation + 1;
        Interlocked.Exchange(ref s_entry, (long)generation << 32);
        for (int i = 0; i < helpers; i++) pool[i].Release(generation);

        Execute(job, 0);
        // Every item is taken: helpers that have not entered yet must not, the others finish what they hold.
        Interlocked.And(ref s_entry, uint.MaxValue);
        WaitForHelpers();
        s_job = null;
        if (s_exception is { } e)
        {
            s_exception = null;
            ExceptionDispatchInfo.Throw(e);
        }
    }

    /// <summary>Claims and runs items until none is left; records the first exception.</summary>
    private static void Execute(IJob job, int thread)
    {
        int items = s_items;
        while (true)
        {
            int item = Interlocked.Increment(ref s_next) - 1;
            if (item >= items) return;
            try
            {
                job.Execute(item, thread);
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref s_exception, e, null);
            }
        }
    }

    private static void WaitForHelpers()
    {
        if (Volatile.Read(ref s_entry) == 0) return;
        long until = Stopwatch.GetTimestamp() + s_spinTicks;
        var spinner = new SpinWait();
        while (Stopwatch.GetTimestamp() < until)
        {
            if (Volatile.Read(ref s_entry) == 0) return;
            spinner.SpinOnce(sleep1Threshold: -1);
        }
        // Dekker handshake with the last helper to leave: either it sees s_callerWaiting and sets s_done, or we see
        // s_entry == 0. A helper of the previous call that left last but had not yet read s_callerWaiting may set s_done
        // early, so the count is checked again after every wake.
        Interlocked.Exchange(ref s_callerWaiting, 1);
        while (Volatile.Read(ref s_entry) != 0)
        {
            s_done.Wait();
            s_done.Reset();
        }
    }

    /// <summary>Joins the job of <paramref name="generation"/> if it is still open.</summary>
    private static bool Enter(int generation)
    {
        long entry = Volatile.Read(ref s_entry);
        while ((int)(entry >> 32) == generation)
        {
            long seen = Interlocked.CompareExchange(ref s_entry, entry + 1, entry);
            if (seen == entry) return true;
            entry = seen;
        }
        return false;
    }

    private static void Leave()
    {
        if (Interlocked.Decrement(ref s_entry) == 0 && Volatile.Read(ref s_callerWaiting) != 0) s_done.Set();
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
        void Execute(int item, int thread);
    }

    /// <summary>One per state type, reused by every call (only one parallel call runs at a time).</summary>
    private sealed class Job<TState> : IJob
    {
        public static Job<TState>? Cached;
        public TState State = default!;
        public Action<TState, int>? ByItem;
        public Action<TState, int, int>? ByThread;

        public void Execute(int item, int thread)
        {
            if (ByThread is null) ByItem!(State, item);
            else ByThread(State, item, thread);
        }
    }

    /// <summary>A persistent background thread, thread <see cref="_thread"/> of every job it is released for.</summary>
    private sealed class Helper
    {
        private readonly int _thread;
        private readonly ManualResetEventSlim _wake = new(false, 0);
        private int _ticket, _sleeping;

        public Helper(int thread)
        {
            _thread = thread;
            new Thread(Loop) { IsBackground = true, Name = $"ConvNet worker {thread}" }.Start();
        }

        public void Release(int generation)
        {
            Interlocked.Exchange(ref _ticket, generation);
            // Dekker handshake with Loop: either the helper sees the new ticket before sleeping, or we see it asleep.
            if (Volatile.Read(ref _sleeping) != 0) _wake.Set();
        }

        private void Loop()
        {
            int seen = 0;
            while (true)
            {
                seen = WaitForTicket(seen);
                if (!Enter(seen)) continue;
                Execute(s_job!, _thread);
                Leave();
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
