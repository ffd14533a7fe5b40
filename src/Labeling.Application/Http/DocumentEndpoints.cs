using System.Globalization;
using Labeling.Application.Documents;
using Labeling.Application.Ports;
using Labeling.Application.Problems;
using Labeling.Application.Projects;
using Labeling.Domain.Documents;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Labeling.Application.Http;

/// <summary>Document upload and the record of received documents (ingested or quarantined, with the reason).</summary>
internal static class DocumentEndpoints
{
    // Room for the multipart boundaries and part headers around the file itself.

    public static void Map(RouteGroupBuilder api)
    {
        api.MapPost("/projects/{projectId}/documents", UploadAsync)
            .RequireAuthorization(LabelingRoles.AdminPolicy)
            .DisableAntiforgery()
            .WithMetadata(RequestBodyLimit.LargeBody.Instance)
            .Produces<Document>(StatusCodes.Status201Created).Produces<Document>()
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .WithName("UploadDocument")
            .WithSummary("Uploads a document (multipart field 'file'); it is parsed into items at once (Admin).");

        api.MapGet("/projects/{projectId}/documents", async (string projectId, ProjectService projects, IDocumentStore documents, CancellationToken ct) =>
            {
                await projects.GetAsync(projectId, ct);
                return Results.Ok(await documents.ListAsync(projectId, ct));
            })
            .RequireAuthorization(LabelingRoles.ReviewerPolicy)
            .Produces<IReadOnlyList<Document>>().ProducesProblem(StatusCodes.Status404NotFound)
            .WithName("ListDocuments").WithSummary("Lists received documents with their status and quarantine reason (Reviewer).");

        api.MapGet("/projects/{projectId}/documents/{documentId}", async (string projectId, string documentId, IDocumentStore documents, CancellationToken ct) =>
                Results.Ok(await documents.GetAsync(projectId, documentId, ct)
                    ?? throw new NotFoundException($"Project '{InvalidRequestException.Echo(projectId)}' has no document '{InvalidRequestException.Echo(documentId)}'.")))
            .RequireAuthorization(LabelingRoles.ReviewerPolicy)
            .Produces<Document>().ProducesProblem(StatusCodes.Status404NotFound)
            .WithName("GetDocument").WithSummary("Reads one document record (Reviewer).");
    }

    private static async Task<IResult> UploadAsync(
        string projectId,
        HttpRequest request,
        ProjectService projects,
        IDocumentSource source,
        DocumentIngestion ingestion,
        IOptions<LabelingOptions> options,
        IHostApplicationLifetime lifetime,
        CancellationToken ct)
    {
        await projects.GetAsync(projectId, ct);
        // The body's size limit and an announced oversized body are RequestBodyLimit's (this route is LargeBody).
        var max = options.Value.MaxUploadBytes;
        if (!request.HasFormContentType || request.ContentType?.Contains("multipart/form-data", StringComparison.OrdinalIgnoreCase) != true)
        {
            throw new InvalidRequestException("file", "Send the document as multipart/form-data with a 'file' field, e.g. curl -F file=@comments.csv.");
        }

        var form = await ReadFormAsync(request, max, ct);
        var file = form.Files.GetFile("file") ?? form.Files.FirstOrDefault()
            ?? throw new InvalidRequestException("file", "The form has no file. Send it in a multipart field named 'file'.");
        if (file.Length > max)
        {
            throw TooLarge(file.Length, max);
        }

        if (file.Length == 0)
        {
            throw new InvalidRequestException("file", $"'{InvalidRequestException.Echo(file.FileName)}' is empty. Send a file with content.");
        }

        var fileName = Path.GetFileName(file.FileName);
        if (string.IsNullOrWhiteSpace(fileName) || fileName.Trim('.').Length == 0)
        {
            // "." and ".." name folders, not files, in a path or a blob name.
            throw new InvalidRequestException("file", "The file part has no file name; the extension (.csv, .jsonl, .txt, …) picks the parser.");
        }

        StoredDocument stored;
        await using (var content = file.OpenReadStream())
        {
            stored = await source.SaveUploadAsync(projectId, fileName, content, ct);
        }

        // Once the file is stored it is ingested to the end, whether or not the client still waits (a client timeout, a
        // closed connection): stopped half-way, its items would be in the pool without a document record, some never
        // weak-labeled until a restart. Only the server stopping stops it, and the step converges when run again.
        var result = await ingestion.IngestAsync(stored, lifetime.ApplicationStopping)
            ?? throw new ConflictException($"The upload of '{fileName}' vanished before it was processed; send it again.");
        var document = result.Document;
        if (document.Status == DocumentStatus.Quarantined)
        {
            var rejected = new InvalidRequestException("file", $"'{fileName}' was quarantined: {document.Reason}");
            rejected.Extensions["documentId"] = document.Id;
            rejected.Extensions["reason"] = document.Reason;
            throw rejected;
        }

        return result.AlreadyKnown
            ? Results.Ok(document)
            : Results.Created($"/api/projects/{projectId}/documents/{document.Id}", document);
    }

    private static async Task<IFormCollection> ReadFormAsync(HttpRequest request, long max, CancellationToken ct)
    {
        try
        {
            return await request.ReadFormAsync(new FormOptions { MultipartBodyLengthLimit = max + RequestBodyLimit.MultipartOverhead }, ct);
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            // The server's own body limit, met while a body without a length (chunked) is read.
            throw TooLarge(null, max);
        }
        catch (InvalidDataException ex) when (ex.Message.StartsWith("Multipart body length limit", StringComparison.Ordinal))
        {
            throw TooLarge(null, max);
        }
        catch (InvalidDataException ex) when (ex.Message.Contains("limit", StringComparison.OrdinalIgnoreCase))
        {
            // Too many form fields or parts, or a header or field too long: the shape of the form, not its size.
            throw new InvalidRequestException("file", $"The form is not an upload this route takes ({ex.Message}). Send one file in a multipart field named 'file'.");
        }
        catch (InvalidDataException ex) when (!ct.IsCancellationRequested)
        {
            // The multipart parser's own words on the body's format ("Missing content-type boundary.", ...).
            throw new InvalidRequestException("file", $"The multipart body could not be read ({ex.Message}). Send multipart/form-data with a 'file' field.");
        }
        catch (IOException) when (!ct.IsCancellationRequested)
        {
            // Not echoed: the message of a failed read or of the file a large form is buffered to can name server paths.
            throw new InvalidRequestException("file", "The multipart body could not be read: it ended or broke off while it was read. Send multipart/form-data with a 'file' field.");
        }
    }

    private static PayloadTooLargeException TooLarge(long? size, long max) =>
        new(size is { } s
            ? string.Create(CultureInfo.InvariantCulture, $"The upload is {s:N0} bytes; the limit is {max:N0} bytes (Labeling:MaxUploadBytes). Split the file.")
            : string.Create(CultureInfo.InvariantCulture, $"The upload is larger than the limit of {max:N0} bytes (Labeling:MaxUploadBytes). Split the file."));
}
