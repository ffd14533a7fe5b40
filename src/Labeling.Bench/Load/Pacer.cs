using System.Diagnostics;
using System.Threading.Channels;

namespace Labeling.Bench.Load;

/// <summary>
/// The arrivals of <c>http-load --rate</c>: one every 1/rate seconds from the start, each written as the
/// <see cref="Stopwatch"/> timestamp it was due, whatever the workers are doing (an open loop).
/// </summary>
/// <remarks>
/// The generator shares two cores with the server, so it does not spin: its thread sleeps about a millisecond at a time and then
/// writes every arrival that fell due meanwhile. Those arrivals still carry the times they were due, and the workers time
/// from those, so the pacer's own lateness counts against the server, not for it.
/// </remarks>
internal static class Pacer
{
    /// <summary>Writes <paramref name="count"/> arrivals at <paramref name="perSecond"/> from a thread of its own, then completes the channel.</summary>
    /// <param name="arrivals">Where the arrivals go.</param>
    /// <param name="count">How many.</param>
    /// <param name="perSecond">Arrivals per second.</param>
    /// <param name="ct">Stops the arrivals (the channel still completes).</param>
    /// <returns>Completes when the last arrival is written.</returns>
    public static Task RunAsync(ChannelWriter<long> arrivals, int count, double perSecond, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(perSecond);
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // Its own thread, not a timer: a timer's callback waits in the thread pool's queue behind the workers' continuations
        // (with one, the start lag's median was 2.6–2.8 ms; from a thread, about 1 ms).
        var thread = new Thread(() =>
        {
            try
            {
                Pace(arrivals, count, perSecond, ct);
                done.TrySetResult();
            }
            catch (OperationCanceledException e)
            {
                done.TrySetCanceled(e.CancellationToken);
            }
            finally
            {
                arrivals.TryComplete();
            }
        })
        {
            IsBackground = true,
            Name = "http-load pacer",
        };
        thread.Start();
        return done.Task;
    }

    private static void Pace(ChannelWriter<long> arrivals, int count, double perSecond, CancellationToken ct)
    {
        var start = Stopwatch.GetTimestamp();
        var interval = Stopwatch.Frequency / perSecond;
        var sent = 0;
        while (sent < count)
        {
            ct.ThrowIfCancellationRequested();
            var elapsed = Stopwatch.GetTimestamp() - start;
            var due = (int)Math.Min(count, Math.Floor(elapsed / interval) + 1);
            for (; sent < due; sent++)
            {
                arrivals.TryWrite(start + (long)(sent * interval));
            }

            if (sent < count)
            {
                var untilNext = start + (long)(sent * interval) - Stopwatch.GetTimestamp();
                if (untilNext > 0)
                {
                    Thread.Sleep(Math.Max(1, (int)(untilNext * 1000 / Stopwatch.Frequency)));
                }
            }
        }
    }
}
