namespace Labeling.Application.Http;

/// <summary>
/// App roles carried in the token's <c>roles</c> claim, and the authorization policies built on them.
/// Labelers take tasks, vote and see their own statistics; reviewers read items, export and resolve
/// items that need review; admins create projects, upload documents and seed gold (and may do what
/// reviewers do).
/// </summary>
public static class LabelingRoles
{
    /// <summary>A crowd worker.</summary>
    public const string Labeler = "Labeler";

    /// <summary>Reads items and exports, resolves items that need review.</summary>
    public const string Reviewer = "Reviewer";

    /// <summary>Creates projects, uploads documents, seeds gold.</summary>
    public const string Admin = "Admin";

    /// <summary>Policy: the caller has the Labeler role.</summary>
    public const string LabelerPolicy = "labeling:labeler";

    /// <summary>Policy: the caller has the Reviewer or Admin role.</summary>
    public const string ReviewerPolicy = "labeling:reviewer";

    /// <summary>Policy: the caller has the Admin role.</summary>
    public const string AdminPolicy = "labeling:admin";

    /// <summary>Policy: the caller has one of the roles (routes every role reads, each its own view).</summary>
    public const string AnyRolePolicy = "labeling:any-role";

    /// <summary>Every role, for tools that mint tokens.</summary>
    public static IReadOnlyList<string> All { get; } = [Labeler, Reviewer, Admin];
}
