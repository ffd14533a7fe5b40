namespace Labeling.TestSupport;

/// <summary>
/// Waits for something a background part of the system does (a pump, a dispatcher, a log line, a file): polls a condition
/// until it holds, and fails the test with <c>failure</c> (a <see cref="TimeoutException"/>) once <c>timeout</c> has passed
/// without it.
/// </summary>
public static class Eventually
{
    /// <summary>The wait between two looks when none is given.</summary>
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromMilliseconds(50);

    /// <summary>Polls <paramref name="condition"/> until it is true.</summary>
    /// <param name="condition">What to wait for; it may assert too (a condition that must hold all along).</param>
    /// <param name="timeout">How long to wait at most.</param>
    /// <param name="failure">The test's failure message when it times out.</param>
    /// <param name="interval">The wait between two looks.</param>
    /// <returns>A task.</returns>
    public static Task HoldsAsync(Func<bool> condition, TimeSpan timeout, string failure, TimeSpan? interval = null) =>
        HoldsAsync(() => Task.FromResult(condition()), timeout, failure, interval);

    /// <summary>Polls <paramref name="condition"/> until it is true.</summary>
    /// <param name="condition">What to wait for, read asynchronously (an HTTP call, a query).</param>
    /// <param name="timeout">How long to wait at most.</param>
    /// <param name="failure">The test's failure message when it times out.</param>
    /// <param name="interval">The wait between two looks.</param>
    /// <returns>A task.</returns>
    public static async Task HoldsAsync(Func<Task<bool>> condition, TimeSpan timeout, string failure, TimeSpan? interval = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition().ConfigureAwait(false))
        {
            if (DateTime.UtcNow >= deadline)
            {
                throw new TimeoutException(failure);
            }

            await Task.Delay(interval ?? DefaultInterval).ConfigureAwait(false);
        }
    }
}
