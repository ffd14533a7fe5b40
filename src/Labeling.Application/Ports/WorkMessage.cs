namespace Labeling.Application.Ports;

/// <summary>A message received from the work queue, invisible to others until its visibility timeout.</summary>
/// <param name="Id">The message id.</param>
/// <param name="Queue">The queue name.</param>
/// <param name="Payload">The JSON payload.</param>
/// <param name="DequeueCount">How many times it has been received, this time included.</param>
/// <param name="Receipt">Proves this receiver still owns the message when completing it.</param>
public sealed record WorkMessage(long Id, string Queue, string Payload, int DequeueCount, string Receipt);
