using System.ComponentModel.DataAnnotations;

namespace Labeling.Adapters.Azure.Messaging;

/// <summary>Where <c>label.ready</c> events are published. Bound from the <c>ServiceBus</c> section.</summary>
public sealed class ServiceBusOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string SectionName = "ServiceBus";

    /// <summary>The namespace host, e.g. <c>sb-labeling.servicebus.windows.net</c>; empty turns the publisher off.</summary>
    public string? FullyQualifiedNamespace { get; set; }

    /// <summary>The topic. Default <c>label-events</c>.</summary>
    [Required(AllowEmptyStrings = false)]
    public string Topic { get; set; } = "label-events";
}
