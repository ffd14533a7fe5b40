namespace Labeling.Application.Work;

/// <summary>Handles the messages of one work queue. Must be idempotent: every message may arrive more than once.</summary>
public interface IWorkHandler
{
    /// <summary>The queue this handler serves.</summary>
    string Queue { get; }

    /// <summary>Handles one message; throwing makes the queue retry it (and poison it after too many tries).</summary>
    /// <param name="payload">The message's JSON payload.</param>
    /// <param name="cancellationToken">Stops the work.</param>
    /// <returns>A task.</returns>
    Task HandleAsync(string payload, CancellationToken cancellationToken);
}
