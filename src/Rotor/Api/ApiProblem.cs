using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Rotor.Core.Resources;

namespace Rotor.Api;

/// <summary>One broken rule of a problem: the field (as a path in the document) and the rule's name.</summary>
public sealed record ApiFieldError(string Field, string Rule, string Message, int? Line = null, int? Column = null, string? Document = null);

/// <summary>
/// An RFC 9457 problem document (<c>application/problem+json</c>). <c>type</c> is a stable URI per
/// reason (a <see cref="Core.Abstractions.RotorReasons"/> name), <c>errors</c> names each field and rule.
/// </summary>
public sealed record ApiProblemJson(
    string Type, string Title, int Status, string Detail, string Reason, string? Instance, IReadOnlyList<ApiFieldError>? Errors);

public static class ApiProblem
{
    public const string ContentType = "application/problem+json";
    public const string TypeBase = "https://rotor.invalid/problems/";

    public static ApiProblemJson Create(HttpContext context, int status, string reason, string detail, IReadOnlyList<ApiFieldError>? errors = null) =>
        new(TypeBase + reason, Title(status), status, detail, reason, context.Request.Path.Value, errors);

    /// <summary>A problem for one field and rule.</summary>
    public static Task Write(HttpContext context, int status, string reason, string detail, string field, string rule) =>
        Write(context, Create(context, status, reason, detail, [new ApiFieldError(field, rule, detail)]));

    public static async Task Write(HttpContext context, ApiProblemJson problem)
    {
        context.Response.StatusCode = problem.Status;
        context.Response.ContentType = ContentType;
        await JsonSerializer.SerializeAsync(context.Response.Body, problem, ApiJsonContext.Default.ApiProblemJson, context.RequestAborted);
    }

    /// <summary>The problem as a minimal-API result.</summary>
    public static IResult Result(HttpContext context, int status, string reason, string detail, IReadOnlyList<ApiFieldError>? errors = null) =>
        Results.Json(Create(context, status, reason, detail, errors), ApiJsonContext.Default.ApiProblemJson, ContentType, status);

    public static IResult Field(HttpContext context, int status, string reason, string field, string rule, string detail) =>
        Result(context, status, reason, detail, [new ApiFieldError(field, rule, detail)]);

    /// <summary>Manifest errors (what <c>rotor apply</c> prints), each with its field and rule.</summary>
    public static IResult Manifest(HttpContext context, IReadOnlyList<ManifestError> errors) =>
        Result(context, StatusCodes.Status422UnprocessableEntity, Core.Abstractions.RotorReasons.ValidationFailed,
            $"{errors.Count} problem(s) found; nothing was applied",
            [.. errors.Select(e => new ApiFieldError(e.Field, e.Rule, e.Message, e.Line, e.Column, e.File))]);

    private static string Title(int status) => status switch
    {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        409 => "Conflict",
        412 => "Precondition Failed",
        415 => "Unsupported Media Type",
        422 => "Unprocessable Content",
        428 => "Precondition Required",
        503 => "Service Unavailable",
        _ => "Error",
    };
}
