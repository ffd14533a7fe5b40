namespace Labeling.Application.Ports;

/// <summary>An event waiting in the durable outbox, already serialised so every delivery sends the same bytes.</summary>
/// <param name="Id">The event id (CloudEvents <c>id</c>); unique.</param>
/// <param name="ProjectId">The project.</param>
/// <param name="ItemId">The item it concerns.</param>
/// <param name="Type">The CloudEvents type, e.g. <c>label.ready</c>.</param>
/// <param name="Payload">The CloudEvent in JSON structured mode, one line.</param>
/// <param name="CreatedAt">When it was written.</param>
public sealed record OutboxEvent(string Id, string ProjectId, string ItemId, string Type, string Payload, DateTimeOffset CreatedAt);
