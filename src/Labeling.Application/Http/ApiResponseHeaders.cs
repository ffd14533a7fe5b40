using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Labeling.Application.Http;

/// <summary>
/// Headers every API response carries: <c>X-Content-Type-Options: nosniff</c>, so a browser never runs an item's
/// text or an export as something other than the declared type, and, under <c>/api</c>,
/// <c>Cache-Control: no-store</c>, so no cache between the caller and the API keeps answers that were given to
/// one bearer token (labels, reliabilities, exports).
/// </summary>
public static class ApiResponseHeaders
{
    /// <summary>Adds the headers to every response of the pipeline after it.</summary>
    /// <param name="app">The pipeline.</param>
    /// <returns>The pipeline.</returns>
    public static IApplicationBuilder UseLabelingResponseHeaders(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        return app.Use((context, next) =>
        {
            context.Response.OnStarting(static state =>
            {
                var http = (HttpContext)state;
                var headers = http.Response.Headers;
                headers.XContentTypeOptions = "nosniff";
                if (http.Request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase) && string.IsNullOrEmpty(headers.CacheControl))
                {
                    headers.CacheControl = "no-store";
                }

                return Task.CompletedTask;
            }, context);
            return next(context);
        });
    }
}
