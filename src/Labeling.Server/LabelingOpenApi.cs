using System.Text.Json.Nodes;
using Labeling.Application.Projects;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Labeling.Server;

/// <summary>
/// What the generated description of the API (<c>/openapi/v1.json</c>) needs beyond the endpoints' own metadata, so a
/// client generator (NSwag, Kiota, openapi-generator) gets what the server does: the bearer scheme every route takes; JSON
/// bodies that are required and never null; properties the serializer leaves out when null not listed as required;
/// problem details with the <c>traceId</c> and extensions the server adds; the two shapes of a project (a Labeler gets
/// the brief); the export's formats.
/// </summary>
internal static class LabelingOpenApi
{
    /// <summary>The name of the bearer security scheme in the document's components.</summary>
    public const string BearerScheme = "Bearer";

    private static readonly HashSet<string> ProjectReads = new(StringComparer.Ordinal) { "ListProjects", "GetProject" };

    /// <summary>Adds the transformers.</summary>
    /// <param name="options">The document's options.</param>
    public static void Configure(OpenApiOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.AddDocumentTransformer((document, _, _) =>
        {
            // No "servers" entry: ASP.NET Core would fill it from the request's Host header, which the caller chooses.
            document.Servers?.Clear();
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>(StringComparer.Ordinal);
            document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                BearerFormat = "JWT",
                Description = "A JWT with the role the route names (Labeler, Reviewer or Admin): Entra ID on Azure; locally, from the server's token command.",
            };
            // Every route in the document takes a token (the open ones, /health and this document, are not in it).
            document.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, document)] = [] }];
            foreach (var (name, schema) in document.Components.Schemas ?? new Dictionary<string, IOpenApiSchema>())
            {
                if (schema is OpenApiSchema concrete)
                {
                    Tidy(name, concrete);
                }
            }

            if (document.Components.Schemas is { } schemas)
            {
                DescribePatch(schemas);
            }

            return Task.CompletedTask;
        });
        options.AddOperationTransformer(async (operation, context, cancellationToken) =>
        {
            if (operation.RequestBody is OpenApiRequestBody body && body.Content is { } content)
            {
                // A JSON body is answered 400 when missing or null (Body.Required); the handlers take it as T? to say so themselves.
                body.Required = true;
                foreach (var media in content.Values)
                {
                    if (media.Schema is OpenApiSchema { OneOf: { Count: 2 } oneOf } && oneOf.SingleOrDefault(s => !IsNullType(s)) is { } notNull)
                    {
                        media.Schema = notNull;
                    }
                }
            }

            if (operation.OperationId is { } id && ProjectReads.Contains(id)
                && operation.Responses is { } responses && responses.TryGetValue("200", out var response) && response is OpenApiResponse ok
                && ok.Content is { } okContent && okContent.TryGetValue("application/json", out var json) && json.Schema is { } full)
            {
                // Reviewers and admins read the whole project, a Labeler its brief (ProjectEndpoints.SeesEverything).
                var brief = await context.GetOrCreateSchemaAsync(typeof(ProjectBrief), null, cancellationToken).ConfigureAwait(false);
                Tidy(nameof(ProjectBrief), brief);
                json.Schema = full is OpenApiSchema { Type: JsonSchemaType.Array, Items: { } item } list
                    ? new OpenApiSchema { Type = JsonSchemaType.Array, Items = new OpenApiSchema { OneOf = [item, brief] } }
                    : new OpenApiSchema { OneOf = [full, brief] };
            }

            if (operation.OperationId == "ExportLabels")
            {
                if (operation.Parameters?.FirstOrDefault(p => p.Name == "format") is OpenApiParameter format)
                {
                    format.Schema = new OpenApiSchema { Type = JsonSchemaType.String, Enum = [JsonValue.Create("jsonl"), JsonValue.Create("csv")], Default = JsonValue.Create("jsonl") };
                }

                if (operation.Responses?.TryGetValue("200", out var exported) == true && exported is OpenApiResponse streamed)
                {
                    // Streamed by the handler itself: one JSON object per line, or a CSV file with a header row.
                    streamed.Description = "The decided labels, streamed (README, \"Documents and items\", lists the fields).";
                    streamed.Content = new Dictionary<string, OpenApiMediaType>(StringComparer.Ordinal)
                    {
                        ["application/x-ndjson"] = new() { Schema = new OpenApiSchema { Type = JsonSchemaType.String } },
                        ["text/csv"] = new() { Schema = new OpenApiSchema { Type = JsonSchemaType.String } },
                    };
                }
            }

            if (operation.OperationId == "NextTask" && operation.Responses?.TryGetValue("204", out var none) == true && none is OpenApiResponse noTask)
            {
                noTask.Description = "No task for the caller; the header says why, and Retry-After when asking again may help.";
                noTask.Headers = new Dictionary<string, IOpenApiHeader>(StringComparer.Ordinal)
                {
                    [Labeling.Application.Crowd.NoTask.Header] = new OpenApiHeader
                    {
                        Required = true,
                        Schema = new OpenApiSchema
                        {
                            Type = JsonSchemaType.String,
                            Enum = [.. Labeling.Application.Crowd.NoTask.All.Select(v => (JsonNode)JsonValue.Create(v.Reason))],
                        },
                    },
                    ["Retry-After"] = new OpenApiHeader { Schema = new OpenApiSchema { Type = JsonSchemaType.Integer, Description = "Seconds." } },
                };
            }

            if (operation.OperationId is "GetProject" or "UpdateProject" && operation.Responses?.TryGetValue("200", out var read) == true && read is OpenApiResponse withVersion)
            {
                withVersion.Headers = new Dictionary<string, IOpenApiHeader>(StringComparer.Ordinal)
                {
                    ["ETag"] = new OpenApiHeader
                    {
                        Schema = new OpenApiSchema { Type = JsonSchemaType.String },
                        Description = "The project's version as a strong tag (\"3\"), to send as If-Match with a PATCH; not sent to a Labeler.",
                    },
                };
            }

            if (operation.OperationId == "UpdateProject")
            {
                operation.Parameters ??= [];
                operation.Parameters.Add(new OpenApiParameter
                {
                    Name = "If-Match",
                    In = ParameterLocation.Header,
                    Schema = new OpenApiSchema { Type = JsonSchemaType.String },
                    Description = "The ETag of a GET (or a list of tags): the change is made only over that version, else 412 with the current one. Weak tags never match.",
                });
            }

            if (operation.OperationId == "UploadDocument")
            {
                // The handler reads the form itself (to bound it and to answer a missing file with a problem), so the body
                // is described here: one file in the field 'file'.
                operation.RequestBody = new OpenApiRequestBody
                {
                    Required = true,
                    Content = new Dictionary<string, OpenApiMediaType>(StringComparer.Ordinal)
                    {
                        ["multipart/form-data"] = new()
                        {
                            Schema = new OpenApiSchema
                            {
                                Type = JsonSchemaType.Object,
                                Required = new HashSet<string>(StringComparer.Ordinal) { "file" },
                                Properties = new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal)
                                {
                                    ["file"] = new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary", Description = "The document; its extension picks the parser (.txt, .md, .csv, .jsonl, .json, .html, .htm, .pdf, .docx)." },
                                },
                            },
                        },
                    },
                };
            }

            // Refusals every route with a body can meet, which no handler declares: a body over its route's limit (413, from
            // RequestBodyLimit or the server) and, on a route that reads a JSON body, one that is not JSON (415; on PATCH also a
            // JSON Patch). The upload reads its form itself and answers other bodies 400.
            if (operation.RequestBody is not null && operation.Responses is { } refusals
                && refusals.TryGetValue("401", out var unauthorized) && unauthorized is OpenApiResponse problem)
            {
                refusals.TryAdd("413", new OpenApiResponse { Description = "Payload Too Large: the body is over the route's limit (Labeling:MaxJsonBodyBytes, Labeling:MaxUploadBytes).", Content = problem.Content });
                if (string.Equals(context.Description.HttpMethod, "PATCH", StringComparison.OrdinalIgnoreCase))
                {
                    refusals.TryAdd("415", new OpenApiResponse { Description = "Unsupported Media Type: a JSON Patch, or a body that is not JSON; send a JSON merge patch.", Content = problem.Content });
                }
                else if (operation.RequestBody.Content?.ContainsKey("application/json") == true)
                {
                    refusals.TryAdd("415", new OpenApiResponse { Description = "Unsupported Media Type: the body is not sent as JSON (Content-Type: application/json).", Content = problem.Content });
                }
            }
        });
    }

    // The PATCH body as it is taken: a JSON merge patch whose routing is the routing settings with null restoring a
    // default. The body type reads routing as raw JSON (to refuse a setting given twice) and has raw JSON properties that
    // exist only to be refused with a reason (id, taskKind, rules, schema, version, createdAt); a client generator given
    // those would offer them.
    private static void DescribePatch(IDictionary<string, IOpenApiSchema> schemas)
    {
        if (!schemas.TryGetValue(nameof(UpdateProjectRequest), out var found) || found is not OpenApiSchema patch || patch.Properties is not { } properties)
        {
            return;
        }

        // The refused ones are the raw JSON properties but routing, named as the serializer names them.
        var refused = Labeling.Application.LabelingJson.Options.GetTypeInfo(typeof(UpdateProjectRequest)).Properties
            .Where(p => p.PropertyType == typeof(System.Text.Json.JsonElement) && p.Name != "routing");
        foreach (var property in refused)
        {
            properties.Remove(property.Name);
        }

        patch.Description = "A JSON merge patch (RFC 7396): what it leaves out, or gives as null at the top level, stays as it is. "
            + "The labels' names, the task kind and the rules are fixed (400 with the reason).";
        if (schemas.TryGetValue("RoutingSettings", out var settings) && settings is OpenApiSchema { Properties: { } routing })
        {
            properties["routing"] = new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                AdditionalPropertiesAllowed = false,
                Description = "Routing settings to change; a setting given as null goes back to its default (\"voteBudget\": null removes the budget).",
                Properties = routing.ToDictionary(
                    setting => setting.Key,
                    setting => (IOpenApiSchema)new OpenApiSchema
                    {
                        Type = (setting.Value.Type ?? JsonSchemaType.Number) | JsonSchemaType.Null,
                        Format = setting.Value.Format,
                    },
                    StringComparer.Ordinal),
            };
        }

        // The refused properties were its only users.
        schemas.Remove("JsonElement");
    }

    // Component schemas as the serializer writes them.
    private static void Tidy(string name, OpenApiSchema schema)
    {
        // LabelingJson writes no nulls, so a property that can be null is absent, not null: it cannot be required.
        if (schema.Required is { Count: > 0 } required && schema.Properties is { } properties)
        {
            foreach (var (property, propertySchema) in properties)
            {
                if (CanBeNull(propertySchema))
                {
                    required.Remove(property);
                }
            }
        }

        // The enums are written as kebab-case strings (a nullable one listed null among its values): say so.
        if (schema.Enum is { Count: > 0 } values && schema.Type is null && values.All(v => v is null || v.GetValueKind() == System.Text.Json.JsonValueKind.String))
        {
            schema.Enum = values.Where(v => v is not null).ToList();
            schema.Type = JsonSchemaType.String;
        }

        foreach (var inline in (schema.Properties?.Values ?? []).Append(schema.Items).OfType<OpenApiSchema>())
        {
            Tidy(string.Empty, inline);
        }

        if (name == "ProblemDetails" && schema.Properties is { } problem)
        {
            problem["traceId"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "The request's trace id, also in the server's log line of a refusal." };
            problem["errors"] = new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Description = "For a 400: what was wrong, by the request's field or header.",
                AdditionalProperties = new OpenApiSchema { Type = JsonSchemaType.Array, Items = new OpenApiSchema { Type = JsonSchemaType.String } },
            };
            // Further members some refusals carry: reason (worker-retired), documentId, projectId, worker and the like.
            schema.AdditionalPropertiesAllowed = true;
        }
    }

    private static bool CanBeNull(IOpenApiSchema schema) =>
        schema.Type is { } type && type.HasFlag(JsonSchemaType.Null) || schema.OneOf?.Any(IsNullType) == true;

    private static bool IsNullType(IOpenApiSchema schema) => schema.Type == JsonSchemaType.Null;
}
