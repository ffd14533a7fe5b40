namespace Labeling.Functions.Http;

/// <summary>
/// The Entra ID settings the API's token validation needs (section <c>AzureAd</c>, read by
/// Microsoft.Identity.Web). Bound here only to be checked when the app starts: Microsoft.Identity.Web
/// checks them on the first request, so an app deployed without a client id would start and then
/// answer every call with 500 (IDW10106).
/// </summary>
public sealed class EntraApiOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "AzureAd";

    /// <summary>The Entra ID instance. Default <c>https://login.microsoftonline.com/</c>.</summary>
    public string Instance { get; set; } = "https://login.microsoftonline.com/";

    /// <summary>The tenant whose tokens are accepted.</summary>
    public string? TenantId { get; set; }

    /// <summary>Application (client) id of the app registration that protects the API.</summary>
    public string? ClientId { get; set; }
}
