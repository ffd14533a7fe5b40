using System.Globalization;
using Labeling.Application.Ingestion;
using Labeling.Application.Problems;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Labeling.Application.Http;

/// <summary>
/// Caps request bodies per route: the JSON routes (votes, project definitions, review decisions) take at
/// most <see cref="LabelingOptions.MaxJsonBodyBytes"/>, the routes marked <see cref="LargeBody"/> (document
/// uploads, gold seeding) at most <see cref="LabelingOptions.MaxUploadBytes"/> plus the multipart framing.
/// </summary>
/// <remarks>
/// Without it every route would take the server's default (30 MB on Kestrel), so any caller with a token
/// could make the server buffer 30 MB per request. A body announced larger than the cap gets 413 before
/// anything is read; one that turns out larger while it is read (chunked) gets 413 from the server's limit,
/// or, where the host fixes that limit itself (the feature is read-only, as on a test server), from counting
/// the bytes as the endpoint reads them. A JSON Patch sent to a PATCH route (which takes a JSON merge patch) is a 415.
/// Register after routing (<c>UseRouting()</c>, implicit in a <c>WebApplication</c>) and before the endpoints run.
/// </remarks>
public static class RequestBodyLimit
{
    /// <summary>Framing a multipart upload may add around the file itself.</summary>
    internal const long MultipartOverhead = 64 * 1024;

    /// <summary>Applies the per-route caps (see <see cref="RequestBodyLimit"/>).</summary>
    /// <param name="app">The pipeline, after routing.</param>
    /// <returns>The pipeline.</returns>
    public static IApplicationBuilder UseLabelingRequestLimits(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var options = app.ApplicationServices.GetRequiredService<IOptions<LabelingOptions>>().Value;
        return app.Use((context, next) =>
        {
            var large = context.GetEndpoint()?.Metadata.GetMetadata<LargeBody>() is not null;
            var max = large ? Math.Max(options.MaxUploadBytes + MultipartOverhead, options.MaxJsonBodyBytes) : options.MaxJsonBodyBytes;
            if (context.Request.ContentLength > max)
            {
                throw new PayloadTooLargeException(large
                    ? string.Create(CultureInfo.InvariantCulture, $"The request body is {context.Request.ContentLength:N0} bytes; the limit is {options.MaxUploadBytes:N0} bytes (Labeling:MaxUploadBytes). Split it into smaller uploads.")
                    : string.Create(CultureInfo.InvariantCulture, $"The request body is {context.Request.ContentLength:N0} bytes; this route takes at most {max:N0} bytes of JSON (Labeling:MaxJsonBodyBytes)."));
            }

            if (HttpMethods.IsPatch(context.Request.Method) && IsJsonPatch(context.Request.ContentType))
            {
                // The JSON binder takes any "+json" type, so a JSON Patch would be read as a body of the wrong shape and be
                // a 400 that does not say why.
                throw new BadHttpRequestException(
                    "This route takes a JSON merge patch (RFC 7396), not a JSON Patch (RFC 6902): send the fields to change as one object, "
                    + "e.g. {\"routing\":{\"voteBudget\":20000}}, with Content-Type: application/merge-patch+json or application/json.",
                    StatusCodes.Status415UnsupportedMediaType);
            }

            if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            {
                limit.MaxRequestBodySize = max;
            }
            else if (context.Request.ContentLength is null && TakesABody(context.Request.Method))
            {
                // The host sets no limit we can lower (a test server, or a host that fixed it): count the body ourselves.
                context.Request.Body = new SizeLimitedStream(context.Request.Body, max, TooLarge);
            }

            return next(context);
        });
    }

    // The methods of the API's routes that read a body (a PATCH was once left out, and read without a cap).
    private static bool TakesABody(string method) => HttpMethods.IsPost(method) || HttpMethods.IsPatch(method) || HttpMethods.IsPut(method);

    // A JSON Patch (RFC 6902), which no route takes: the PATCH routes take a JSON merge patch.
    private static bool IsJsonPatch(string? contentType) =>
        contentType is not null && contentType.Split(';', 2)[0].Trim().Equals("application/json-patch+json", StringComparison.OrdinalIgnoreCase);

    // Fails like the server's own limit would.
    private static BadHttpRequestException TooLarge(long max) =>
        new(string.Create(CultureInfo.InvariantCulture, $"Request body too large. The max request body size is {max} bytes."), StatusCodes.Status413PayloadTooLarge);

    /// <summary>Marks a route whose body may be as large as an upload (<see cref="LabelingOptions.MaxUploadBytes"/>).</summary>
    public sealed class LargeBody
    {
        /// <summary>The one instance; add it with <c>WithMetadata</c>.</summary>
        public static LargeBody Instance { get; } = new();

        private LargeBody()
        {
        }
    }
}
