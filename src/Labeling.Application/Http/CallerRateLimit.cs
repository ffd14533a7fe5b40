using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Labeling.Application.Http;

/// <summary>
/// A token bucket per caller (<see cref="LabelingOptions.RequestsPerSecondPerCaller"/> a second, bursts of
/// twice that): the token's subject, or the client address for a request without one. A caller over it
/// gets 429 problem details with <c>Retry-After</c>, and the refusal log records it like any other 4xx.
/// </summary>
/// <remarks>
/// Runs after authentication, so a valid token's subject is known and one caller cannot spend another's
/// budget, and before authorization, so requests refused for want of a token (counted by address) or of a role
/// (counted by subject) spend the budget too: a flood of refusals is cut off like any other. Buckets are refilled once a second by the partitioned limiter's own timer and dropped when
/// idle. It is a guard against one client flooding an instance, not a quota: each instance of the
/// Functions app counts for itself.
/// </remarks>
public static class CallerRateLimit
{
    /// <summary>Adds the limit of <see cref="LabelingOptions.RequestsPerSecondPerCaller"/>.</summary>
    /// <param name="app">The pipeline, after <c>UseAuthentication()</c> and before <c>UseAuthorization()</c>.</param>
    /// <returns>The pipeline.</returns>
    public static IApplicationBuilder UseLabelingRateLimit(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        Use(app, app.ApplicationServices.GetRequiredService<IOptions<LabelingOptions>>().Value.RequestsPerSecondPerCaller);
        return app;
    }

    /// <summary>Adds the limit to the pipeline; nothing when <paramref name="perSecond"/> is 0.</summary>
    /// <param name="app">The pipeline, after authentication and before authorization.</param>
    /// <param name="perSecond">Requests per second per caller.</param>
    public static void Use(IApplicationBuilder app, int perSecond)
    {
        ArgumentNullException.ThrowIfNull(app);
        if (perSecond <= 0)
        {
            return;
        }

        var limiter = PartitionedRateLimiter.Create<HttpContext, string>(context => RateLimitPartition.GetTokenBucketLimiter(
            CallerOf(context),
            _ => new TokenBucketRateLimiterOptions
            {
                TokenLimit = 2 * perSecond,
                TokensPerPeriod = perSecond,
                ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                QueueLimit = 0,
                AutoReplenishment = false,
            }));
        var problems = app.ApplicationServices.GetRequiredService<IProblemDetailsService>();
        app.Use(async (context, next) =>
        {
            using var lease = limiter.AttemptAcquire(context);
            if (lease.IsAcquired)
            {
                await next(context).ConfigureAwait(false);
                return;
            }

            const string Title = "Too many requests.";
            context.Items[RefusalLog.ProblemTitleItem] = Title;
            context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
            context.Response.Headers.RetryAfter = "1";
            await problems.WriteAsync(new ProblemDetailsContext
            {
                HttpContext = context,
                ProblemDetails = new()
                {
                    Status = StatusCodes.Status429TooManyRequests,
                    Title = Title,
                    Detail = string.Create(CultureInfo.InvariantCulture,
                        $"This caller may make {perSecond} requests a second (bursts of {2 * perSecond}, Labeling:RequestsPerSecondPerCaller); retry after a second."),
                },
            }).ConfigureAwait(false);
        });
    }

    private static string CallerOf(HttpContext context) =>
        CallerIdentity.TrySubject(context.User) is { } subject
            ? "sub:" + subject
            : "ip:" + (context.Connection.RemoteIpAddress?.ToString() ?? "unknown");
}
