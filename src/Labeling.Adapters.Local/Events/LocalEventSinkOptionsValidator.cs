using Microsoft.Extensions.Options;

namespace Labeling.Adapters.Local.Events;

/// <summary>Refuses <see cref="LocalEventSinkOptions"/> with each of its problems, so the line at start says what to change.</summary>
internal sealed class LocalEventSinkOptionsValidator : IValidateOptions<LocalEventSinkOptions>
{
    public ValidateOptionsResult Validate(string? name, LocalEventSinkOptions options)
    {
        var problems = options.Validate().ToArray();
        return problems.Length == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
