namespace Labeling.Application.Problems;

/// <summary>
/// An <c>Idempotency-Key</c> came back with a different request than the one it first answered: another
/// lease or another answer. Replaying the first answer would tell the caller a vote was recorded that
/// was not. (HTTP 422, as the IETF Idempotency-Key header draft asks.)
/// </summary>
public sealed class IdempotencyKeyReusedException : LabelingProblemException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="detail">What the key was used for and what to do instead.</param>
    public IdempotencyKeyReusedException(string detail)
        : base(detail)
    {
    }

    /// <inheritdoc />
    public override int StatusCode => 422;

    /// <inheritdoc />
    public override string Title => "The idempotency key was used for another request.";
}
