using System.Net;
using System.Text.Json.Nodes;
using Labeling.Server.Tests.Support;

namespace Labeling.Server.Tests.Http;

/// <summary>
/// <c>/openapi/v1.json</c> describes what the server does, as a client generator reads it: the bearer scheme, every
/// answer's body and status (201 where a route creates, the refusals every route can give), required bodies, the upload's
/// form, properties the server leaves out when null not listed as required, numbers that are numbers.
/// </summary>
public sealed class OpenApiDocumentTests : IDisposable
{
    private static readonly string[] Verbs = ["get", "post", "put", "patch", "delete"];
    private readonly ServerFactory _server = new(new Dictionary<string, string?> { ["Labeling:CreateDemoProject"] = "false" });

    public void Dispose() => _server.Dispose();

    [Fact]
    public async Task Document_DeclaresTheBearerSchemeForEveryRoute()
    {
        var document = await DocumentAsync();

        var scheme = document["components"]!["securitySchemes"]!["Bearer"]!;
        Assert.Equal("http", scheme["type"]!.GetValue<string>());
        Assert.Equal("bearer", scheme["scheme"]!.GetValue<string>());
        Assert.NotNull(Assert.Single(document["security"]!.AsArray())!["Bearer"]);
    }

    [Fact]
    public async Task EveryOperation_HasItsSuccessBody_TheCommonRefusals_AndOneTag()
    {
        var document = await DocumentAsync();
        var operations = Operations(document).ToArray();

        Assert.Equal(22, operations.Length);
        Assert.Equal(operations.Length, operations.Select(o => o.Operation["operationId"]!.GetValue<string>()).Distinct().Count());
        foreach (var (name, operation) in operations)
        {
            var responses = operation["responses"]!.AsObject();
            Assert.True(responses.Any(r => r.Key.StartsWith('2')), $"{name} declares no success");
            foreach (var (status, response) in responses.Where(r => r.Key is "200" or "201"))
            {
                var content = response!["content"]?.AsObject();
                Assert.True(content is { Count: > 0 }, $"{name} declares no body for {status}");
            }

            foreach (var refusal in new[] { "401", "403", "429", "503" })
            {
                Assert.True(responses[refusal]?["content"]?["application/problem+json"] is not null, $"{name} does not declare {refusal} as problem details");
            }

            Assert.Equal("Labeling", Assert.Single(operation["tags"]!.AsArray())!.GetValue<string>());
            if (operation["requestBody"] is not null)
            {
                Assert.True(responses["413"]?["content"]?["application/problem+json"] is not null, $"{name} takes a body but does not declare 413");
            }
        }

        var byId = operations.ToDictionary(o => o.Operation["operationId"]!.GetValue<string>(), o => o.Operation);
        Assert.NotNull(byId["CreateProject"]["responses"]!["201"]);
        Assert.NotNull(byId["UpdateProject"]["responses"]!["412"]);
        Assert.NotNull(byId["UpdateProject"]["responses"]!["415"]!["content"]!["application/problem+json"]);
        Assert.NotNull(byId["UpdateProject"]["requestBody"]!["content"]!["application/merge-patch+json"]);
        Assert.NotNull(byId["UploadDocument"]["responses"]!["201"]);
        Assert.NotNull(byId["UploadDocument"]["responses"]!["200"]);
        var export = byId["ExportLabels"]["responses"]!["200"]!["content"]!.AsObject();
        Assert.Equal(["application/x-ndjson", "text/csv"], export.Select(c => c.Key).Order(StringComparer.Ordinal));
        var noTask = byId["NextTask"]["responses"]!["204"]!["headers"]!;
        Assert.Equal(5, noTask["Labeling-No-Task"]!["schema"]!["enum"]!.AsArray().Count);
        Assert.NotNull(noTask["Retry-After"]);
    }

    [Fact]
    public async Task RequestBodies_AreRequired_NotNullable_AndTheUploadIsAFormWithAFile()
    {
        var document = await DocumentAsync();

        foreach (var (name, operation) in Operations(document).Where(o => o.Operation["requestBody"] is not null))
        {
            var body = operation["requestBody"]!;
            Assert.True(body["required"]?.GetValue<bool>() == true, $"{name}'s body is optional");
            foreach (var (_, media) in body["content"]!.AsObject())
            {
                Assert.Null(media!["schema"]!["oneOf"]);
            }
        }

        var upload = Operations(document).Single(o => o.Operation["operationId"]!.GetValue<string>() == "UploadDocument").Operation;
        var form = upload["requestBody"]!["content"]!["multipart/form-data"]!["schema"]!;
        Assert.Equal("binary", form["properties"]!["file"]!["format"]!.GetValue<string>());
        Assert.Equal(["file"], form["required"]!.AsArray().Select(r => r!.GetValue<string>()));
    }

    [Fact]
    public async Task Schemas_ListAsRequiredOnlyWhatIsAlwaysSent_AndTypeNumbersAndEnumsOnce()
    {
        var document = await DocumentAsync();
        var schemas = document["components"]!["schemas"]!.AsObject();

        // An unsure vote's receipt has no vote: the server leaves nulls out, so a client must not require it.
        Assert.Equal(["itemId", "leaseId", "state"], schemas["VoteReceipt"]!["required"]!.AsArray().Select(r => r!.GetValue<string>()).Order(StringComparer.Ordinal));
        Assert.NotNull(schemas["ProblemDetails"]!["properties"]!["traceId"]);
        Assert.Equal("string", schemas["ItemState"]!["type"]!.GetValue<string>());
        Assert.Equal("string", schemas["TaskKind"]!["type"]!.GetValue<string>());
        Assert.DoesNotContain(schemas["TaskKind"]!["enum"]!.AsArray(), v => v is null);
        var text = document.ToJsonString();
        Assert.DoesNotContain("\"integer\",\"string\"", text, StringComparison.Ordinal);
        Assert.DoesNotContain("\"number\",\"string\"", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Receipt_OfAnUnsureVote_IsWhatTheDocumentDescribes()
    {
        // The schema said "vote" was required; an unsure vote's receipt leaves it out, and a generated client refused it.
        var document = await DocumentAsync();
        var admin = _server.ClientAs("root", "Admin");
        await (await admin.PostAsync("/api/projects", System.Net.Http.Json.JsonContent.Create(new
        {
            id = "oa",
            labels = new[] { new { name = "spam", description = "" }, new { name = "ham", description = "" } },
        }))).ExpectAsync(HttpStatusCode.Created);
        await (await admin.PostAsync("/api/projects/oa/documents", Api.File("one.csv", System.Text.Encoding.UTF8.GetBytes("text\nhello there\n")))).ExpectAsync(HttpStatusCode.Created);
        await Api.WaitForWeakLabelingAsync(admin, "oa", 1);
        var worker = _server.ClientAs("wanda", "Labeler");
        var task = await (await worker.GetAsync("/api/projects/oa/tasks/next")).ExpectAsync(HttpStatusCode.OK);

        var receipt = (await (await worker.VoteAsync(task["leaseId"]!.GetValue<string>(), new { unsure = true })).ExpectAsync(HttpStatusCode.OK)).AsObject();

        var required = document["components"]!["schemas"]!["VoteReceipt"]!["required"]!.AsArray().Select(r => r!.GetValue<string>());
        Assert.All(required, property => Assert.True(receipt.ContainsKey(property), $"the receipt lacks required '{property}'"));
        Assert.All(receipt.Select(p => p.Key), property => Assert.NotNull(document["components"]!["schemas"]!["VoteReceipt"]!["properties"]![property]));
    }

    [Fact]
    public async Task EveryJsonBody_SentAsAnotherMediaType_IsAnsweredWithAStatusTheDocumentDeclares()
    {
        // Only the PATCH declared 415; every route that reads a JSON body answers 415 to a body sent as text/plain, and a
        // generated client met a status its operation did not list.
        var document = await DocumentAsync();
        var admin = _server.ClientAs("root", "Admin", "Labeler");
        var json = Operations(document).Where(o => o.Operation["requestBody"]?["content"]?["application/json"] is not null).ToArray();
        Assert.NotEmpty(json);

        foreach (var (name, operation) in json)
        {
            var verb = name.Split(' ')[0];
            var path = System.Text.RegularExpressions.Regex.Replace(name.Split(' ')[1], "{[^}]+}", "x");
            using var request = new HttpRequestMessage(new HttpMethod(verb), path) { Content = new StringContent("{}", System.Text.Encoding.UTF8, "text/plain") };

            var response = await admin.SendAsync(request);

            Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
            Assert.True(operation["responses"]!["415"]?["content"]?["application/problem+json"] is not null, $"{name} answers 415 but does not declare it");
        }
    }

    [Fact]
    public async Task Patch_IsDescribedAsTaken_ConditionalOnTheVersion_WithTheRoutingSettingsNullable()
    {
        var document = await DocumentAsync();
        var operations = Operations(document).ToDictionary(o => o.Operation["operationId"]!.GetValue<string>(), o => o.Operation);

        var ifMatch = Assert.Single(operations["UpdateProject"]["parameters"]!.AsArray(), p => p!["name"]!.GetValue<string>() == "If-Match")!;
        Assert.Equal("header", ifMatch["in"]!.GetValue<string>());
        Assert.NotNull(operations["UpdateProject"]["responses"]!["200"]!["headers"]!["ETag"]);
        Assert.NotNull(operations["GetProject"]["responses"]!["200"]!["headers"]!["ETag"]);

        // The body's type has properties that exist only to be refused with a reason: a client must not be offered them.
        var patch = document["components"]!["schemas"]!["UpdateProjectRequest"]!;
        Assert.Equal(["instructions", "labels", "name", "routing", "textColumn"], patch["properties"]!.AsObject().Select(p => p.Key).Order(StringComparer.Ordinal));
        var routing = patch["properties"]!["routing"]!;
        var settings = document["components"]!["schemas"]!["RoutingSettings"]!["properties"]!.AsObject();
        Assert.Equal(settings.Select(p => p.Key), routing["properties"]!.AsObject().Select(p => p.Key));
        Assert.Equal(["integer", "null"], routing["properties"]!["voteBudget"]!["type"]!.AsArray().Select(t => t!.GetValue<string>()).Order(StringComparer.Ordinal));
        Assert.Equal(["null", "number"], routing["properties"]!["crowdTarget"]!["type"]!.AsArray().Select(t => t!.GetValue<string>()).Order(StringComparer.Ordinal));
        Assert.False(routing["additionalProperties"]!.GetValue<bool>());
    }

    [Fact]
    public async Task EveryReference_NamesASchemaTheDocumentHas()
    {
        var document = await DocumentAsync();
        var schemas = document["components"]!["schemas"]!.AsObject();

        var references = System.Text.RegularExpressions.Regex.Matches(document.ToJsonString(), "\"\\$ref\":\"#/components/schemas/([^\"]+)\"")
            .Select(m => m.Groups[1].Value).Distinct(StringComparer.Ordinal).ToList();

        Assert.NotEmpty(references);
        Assert.All(references, name => Assert.True(schemas.ContainsKey(name), $"'{name}' is referenced but not in components.schemas"));
    }

    private async Task<JsonNode> DocumentAsync()
    {
        using var anonymous = _server.CreateClient();
        return await (await anonymous.GetAsync("/openapi/v1.json")).ExpectAsync(HttpStatusCode.OK);
    }

    private static IEnumerable<(string Name, JsonNode Operation)> Operations(JsonNode document) =>
        document["paths"]!.AsObject().SelectMany(path => path.Value!.AsObject()
            .Where(op => Verbs.Contains(op.Key))
            .Select(op => ($"{op.Key.ToUpperInvariant()} {path.Key}", op.Value!)));
}
