namespace Labeling.Adapters.Local.Hosting;

/// <summary>
/// Which failed rounds of a background loop to log: the first of a failure that lasts (the same exception type and
/// message round after round, as while the database is locked or the disk full), not one line every poll interval,
/// and the first round that works again.
/// </summary>
internal sealed class LastingFailure
{
    private string? _reason;

    /// <summary>Whether this failure is new (log it) rather than the one already logged.</summary>
    /// <param name="exception">The round's failure.</param>
    /// <returns>True the first time a failure is seen since the last working round or a different failure.</returns>
    public bool IsNew(Exception exception)
    {
        var reason = $"{exception.GetType().FullName}: {exception.Message}";
        if (reason == _reason)
        {
            return false;
        }

        _reason = reason;
        return true;
    }

    /// <summary>Called after a working round: whether it ends a failure (log the recovery).</summary>
    /// <returns>True when the rounds before it failed.</returns>
    public bool Ended()
    {
        if (_reason is null)
        {
            return false;
        }

        _reason = null;
        return true;
    }
}
