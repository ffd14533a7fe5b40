namespace Labeling.Application.Events;

/// <summary>What a redelivery of dead letters requeued.</summary>
/// <param name="Requeued">Deliveries requeued, in all.</param>
/// <param name="ByDestination">Deliveries requeued per destination asked for (0 when it had none).</param>
public sealed record DeadLetterRedeliveryResult(int Requeued, IReadOnlyDictionary<string, int> ByDestination);
