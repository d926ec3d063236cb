using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Xunit;

namespace ConvNet.Runtime.Tests;

public class WorkerPoolTests
{
    private sealed class Counts(int workers)
    {
        public readonly int[] Calls = new int[workers];
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(17)]
    [InlineData(100)]
    public void EveryWorkerRunsExactlyOnce(int workers)
    {
        var counts = new Counts(workers);
        for (int repeat = 0; repeat < 50; repeat++)
            WorkerPool.Run(workers, counts, static (c, w) => Interlocked.Increment(ref c.Calls[w]));
        Assert.All(counts.Calls, n => Assert.Equal(50, n));
    }

    private sealed class Claims(int items, int threads)
    {
        public readonly int[] Calls = new int[items];
        public readonly int[] Busy = new int[threads];
        public int Overlaps, OutOfRange;
    }

    [Theory]
    [InlineData(1, 5)]
    [InlineData(2, 1)]
    [InlineData(2, 37)]
    [InlineData(3, 100)]
    [InlineData(100, 7)]
    [InlineData(100, 500)]
    public void EveryItemRunsExactlyOnce_OnOneOfTheThreads_OneAtATimePerThread(int threads, int items)
    {
        var claims = new Claims(items, Math.Min(threads, WorkerPool.MaxThreads));
        for (int repeat = 0; repeat < 50; repeat++)
            WorkerPool.Run(threads, items, claims, static (c, item, thread) =>
            {
                if ((uint)thread >= (uint)c.Busy.Length)
                {
                    Interlocked.Increment(ref c.OutOfRange);
                    return;
                }
                if (Interlocked.Exchange(ref c.Busy[thread], 1) != 0) Interlocked.Increment(ref c.Overlaps);
                Interlocked.Increment(ref c.Calls[item]);
                Volatile.Write(ref c.Busy[thread], 0);
            });
        Assert.Equal(0, claims.OutOfRange);
        Assert.Equal(0, claims.Overlaps);
        Assert.All(claims.Calls, n => Assert.Equal(50, n));
    }

    private sealed class Held(int items)
    {
        public readonly int[] Threads = new int[items];
        public int Done;
    }

    /// <summary>What dynamic claiming is for: while one item is held up (here until the others are done; in a network, a
    /// thread whose core another process is using), the other thread takes every remaining item. Run inline (the pool
    /// busy with another test class's call) a call cannot show it, so it is tried until a call ran on two threads.</summary>
    [Fact]
    public void HeldUpItem_DoesNotHoldBackTheOthers()
    {
        const int items = 24;
        for (int attempt = 0; attempt < 10; attempt++)
        {
            var held = new Held(items);
            bool othersFinished = false;
            WorkerPool.Run(2, items, held, (h, item, thread) =>
            {
                h.Threads[item] = Environment.CurrentManagedThreadId;
                if (item == 0) othersFinished = SpinWait.SpinUntil(() => Volatile.Read(ref h.Done) == items - 1, 2_000);
                else Interlocked.Increment(ref h.Done);
            });
            if (held.Threads.Distinct().Count() < 2) continue;
            Assert.True(othersFinished, "the other items waited for the held-up one");
            return;
        }
        Assert.Fail("no call ran on two threads in 10 attempts");
    }

    [Theory]
    [InlineData(64, 1, 4, 64)]   // one thread: one chunk
    [InlineData(64, 2, 4, 4)]    // 16 chunks of 4
    [InlineData(64, 2, 1, 4)]
    [InlineData(45, 2, 4, 4)]    // 12 chunks, the last of 1
    [InlineData(1000, 2, 4, 64)] // about 8 per thread, rounded up to whole granules
    [InlineData(1000, 3, 1, 42)]
    [InlineData(64, 2, 48, 48)]  // a granule larger than an even share: 48 and 16
    [InlineData(3, 2, 4, 2)]     // fewer items than a granule: still one chunk per thread, 2 and 1
    [InlineData(4, 2, 4, 2)]     // one granule on two threads: two chunks of 2
    [InlineData(24, 2, 32, 12)]  // a granule that would leave a thread idle gives way to an even share
    [InlineData(1, 2, 4, 1)]
    [InlineData(0, 2, 4, 1)]
    [InlineData(int.MaxValue, 64, 1 << 20, 1 << 22)]
    public void ChunkLength_AimsAtEightChunksPerThread_InWholeGranules(int items, int threads, int granule, int expected)
    {
        Assert.Equal(expected, WorkerPool.ChunkLength(items, threads, granule));
    }

    [Fact]
    public void ChunkLength_RejectsBadArguments()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => WorkerPool.ChunkLength(-1, 2, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => WorkerPool.ChunkLength(10, 0, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => WorkerPool.ChunkLength(10, 2, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => WorkerPool.Run(0, 10, 0, static (s, item, thread) => { }));
    }

    [Fact]
    public void WorkerException_SurfacesOnCaller_AndPoolStillWorks()
    {
        for (int thrower = 0; thrower < 3; thrower++)
        {
            var e = Assert.Throws<InvalidOperationException>(() =>
                WorkerPool.Run(3, thrower, static (t, w) => { if (w == t) throw new InvalidOperationException("worker " + w); }));
            Assert.Equal("worker " + thrower, e.Message);
        }
        var counts = new Counts(2);
        WorkerPool.Run(2, counts, static (c, w) => c.Calls[w]++);
        Assert.Equal([1, 1], counts.Calls);
    }

    [Fact]
    public void NestedCall_RunsInline_WithoutDeadlock()
    {
        var counts = new Counts(4);
        WorkerPool.Run(2, counts, static (c, outer) =>
            WorkerPool.Run(2, c, (c2, inner) => Interlocked.Increment(ref c2.Calls[outer * 2 + inner])));
        Assert.Equal([1, 1, 1, 1], counts.Calls);
    }

    [Fact]
    public void ConcurrentCallers_AllComplete()
    {
        var counts = new Counts(8);
        Parallel.For(0, 8, i =>
        {
            for (int repeat = 0; repeat < 200; repeat++)
                WorkerPool.Run(2, (counts, i), static (s, w) => { if (w == 0) Interlocked.Increment(ref s.counts.Calls[s.i]); });
        });
        Assert.All(counts.Calls, n => Assert.Equal(200, n));
    }

    [Fact]
    public void AfterIdle_HelpersWakeUp()
    {
        var counts = new Counts(2);
        WorkerPool.Run(2, counts, static (c, w) => c.Calls[w]++);
        Thread.Sleep(50); // long enough for the helper to stop spinning and block
        WorkerPool.Run(2, counts, static (c, w) => c.Calls[w]++);
        Assert.Equal([2, 2], counts.Calls);
    }

    [Fact]
    public void SteadyState_AllocatesNothing()
    {
        var counts = new Counts(2);
        for (int i = 0; i < 100; i++) WorkerPool.Run(2, counts, static (c, w) => c.Calls[w]++);
        // Warm the blocking paths too (the caller waiting on a slow helper, a helper woken from sleep): their events
        // create their lock objects lazily, once.
        WorkerPool.Run(2, counts, static (c, w) => { if (w == 1) Thread.Sleep(20); });
        Thread.Sleep(20);
        Action<Counts, int> body = static (c, w) => c.Calls[w]++; // the lambda's cached delegate is created on first use
        Action<Counts, int, int> chunk = static (c, item, thread) => Interlocked.Increment(ref c.Calls[item % 2]);
        WorkerPool.Run(2, counts, body);
        WorkerPool.Run(2, 16, counts, chunk);
        // Other test classes use the pool at the same time, so a rare path (run inline while it is busy, a wait under
        // load) can be taken for the first time inside a round and allocate its lazy state once. A per-call allocation
        // shows in every round (1,000 calls of at least 24 bytes), so three rounds with none at zero still fail it.
        var rounds = new List<long>();
        for (int round = 0; round < 3 && (rounds.Count == 0 || rounds[^1] != 0); round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 1000; i++)
            {
                WorkerPool.Run(2, counts, body);
                WorkerPool.Run(2, 16, counts, chunk);
            }
            rounds.Add(GC.GetAllocatedBytesForCurrentThread() - before);
        }
        Assert.True(rounds[^1] == 0, $"bytes allocated per round of 1,000 calls: {string.Join(", ", rounds)}");
    }

    [Fact]
    public void Workers_AreClampedToItemsCoresAndThePool()
    {
        int cores = Math.Min(Environment.ProcessorCount, WorkerPool.MaxThreads);
        // int.MaxValue used to mean one worker (and one gradient buffer) per sample: 1,024 of them for a batch of 1,024.
        Assert.Equal(cores, WorkerPool.Workers(int.MaxValue, 1024));
        Assert.Equal(Math.Min(2, cores), WorkerPool.Workers(2, 1024));
        Assert.Equal(1, WorkerPool.Workers(int.MaxValue, 1));
        Assert.Equal(Math.Min(3, cores), WorkerPool.Workers(5, 3));
        Assert.Equal(1, WorkerPool.Workers(1, 1024));
        Assert.Equal(0, WorkerPool.Workers(4, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => WorkerPool.Workers(0, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => WorkerPool.Workers(2, -1));
    }
}
