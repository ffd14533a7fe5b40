namespace Labeling.Application.Crowd;

/// <summary>Why a worker got no task (HTTP 204, header <c>Labeling-No-Task</c>), and when asking again may help.</summary>
/// <param name="Reason">
/// <c>budget-spent</c> (the project's vote budget is used: no task will come), <c>preparing</c> (items are being
/// weak-labeled and join the pool in moments), <c>all-leased</c> (other workers hold every item this worker could take;
/// those not answered come back when their leases end), <c>all-answered</c> (this worker has answered or skipped every
/// item in the pool) or <c>pool-empty</c> (no item is waiting for votes: all decided or in review, or none uploaded yet).
/// </param>
/// <param name="RetryAfterSeconds">Seconds before asking again may give a task (header <c>Retry-After</c>); null when only new documents or re-opened items would.</param>
public sealed record NoTask(string Reason, int? RetryAfterSeconds)
{
    /// <summary>The header naming the reason.</summary>
    public const string Header = "Labeling-No-Task";

    /// <summary>The project's vote budget is used.</summary>
    public static NoTask BudgetSpent { get; } = new("budget-spent", null);

    /// <summary>Items are being weak-labeled.</summary>
    public static NoTask Preparing { get; } = new("preparing", 5);

    /// <summary>Other workers hold every item this worker could take.</summary>
    public static NoTask AllLeased { get; } = new("all-leased", 15);

    /// <summary>The worker has answered or skipped every item in the pool.</summary>
    public static NoTask AllAnswered { get; } = new("all-answered", null);

    /// <summary>No item is waiting for votes.</summary>
    public static NoTask PoolEmpty { get; } = new("pool-empty", null);

    /// <summary>Every reason, for the API's description.</summary>
    public static IReadOnlyList<NoTask> All { get; } = [BudgetSpent, Preparing, AllLeased, AllAnswered, PoolEmpty];
}
