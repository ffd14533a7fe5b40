using System.Text.Json;

namespace Labeling.Application.Projects;

/// <summary>
/// The body of <c>PATCH /api/projects/{id}</c>: what to change, as a JSON merge patch (RFC 7396) of the fields
/// <c>POST /api/projects</c> takes that may change. What it leaves out stays as it is; so does a top-level field given as
/// null (a name cannot be removed; <c>""</c> empties the instructions and resets the text column). Inside
/// <see cref="Routing"/>, null restores a setting's default.
/// </summary>
/// <remarks>
/// The labels, the task kind and the rules are fixed once a project is created: the labels are the truth model's
/// classes, and each rule is a labeler whose reliability was learned from the votes it cast. <see cref="Id"/>,
/// <see cref="TaskKind"/> and <see cref="Rules"/> are here only so that a body naming them is answered with that reason.
/// </remarks>
public sealed record UpdateProjectRequest
{
    /// <summary>The new name; null or absent leaves it.</summary>
    public string? Name { get; init; }

    /// <summary>The new instructions (shown with every task from now on); <c>""</c> removes them; null or absent leaves them.</summary>
    public string? Instructions { get; init; }

    /// <summary>New descriptions of some labels, each named by its label: <c>[{"name":"spam","description":"…"}]</c>. A label not listed keeps its description.</summary>
    public IReadOnlyList<LabelRequest?>? Labels { get; init; }

    /// <summary>
    /// Routing settings to change, e.g. <c>{"voteBudget": 20000}</c>; a setting given as null goes back to its default
    /// (<c>"voteBudget": null</c> removes the budget). A <c>crowdTarget</c> changed without a <c>recheckTarget</c> moves a
    /// re-check target that followed the old crowd target to follow the new one.
    /// </summary>
    /// <remarks>A JSON element rather than an object model, so that a setting given twice is refused as every duplicate property is.</remarks>
    public JsonElement Routing { get; init; }

    /// <summary>The CSV column / JSON field of documents ingested from now on; <c>""</c> uses the host's default; null or absent leaves it.</summary>
    public string? TextColumn { get; init; }

    /// <summary>Fixed: a body may repeat the project's own id, nothing else.</summary>
    public JsonElement Id { get; init; }

    /// <summary>Fixed: refused with the reason.</summary>
    public JsonElement TaskKind { get; init; }

    /// <summary>Fixed: refused with the reason.</summary>
    public JsonElement Rules { get; init; }

    /// <summary>Not taken (the shape <c>GET</c> answers with): refused, saying that instructions and labels go at the top level.</summary>
    public JsonElement Schema { get; init; }

    /// <summary>Not taken: set by the server; refused, saying to send it as If-Match.</summary>
    public JsonElement Version { get; init; }

    /// <summary>Not taken: set by the server; refused.</summary>
    public JsonElement CreatedAt { get; init; }
}
