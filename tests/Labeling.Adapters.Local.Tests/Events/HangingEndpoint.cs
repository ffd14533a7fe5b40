using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Labeling.Adapters.Local.Tests.Events;

/// <summary>A receiver's endpoint that never answers (until the caller gives up or a minute passes), for delivery tests.</summary>
internal static class HangingEndpoint
{
    public static void MapHangingPost(this IEndpointRouteBuilder receiver, string pattern) =>
        receiver.MapPost(pattern, async (HttpRequest request) =>
        {
            try
            {
                await Task.Delay(TimeSpan.FromMinutes(1), request.HttpContext.RequestAborted);
            }
            catch (OperationCanceledException)
            {
            }

            return Results.NoContent();
        });
}
