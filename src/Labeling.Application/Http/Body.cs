using Labeling.Application.Problems;

namespace Labeling.Application.Http;

/// <summary>Checks that a JSON body was sent.</summary>
internal static class Body
{
    public static T Required<T>(T? body, string example)
        where T : class =>
        body ?? throw new InvalidRequestException(string.Empty, $"Send a JSON body (Content-Type: application/json), e.g. {example}");
}
