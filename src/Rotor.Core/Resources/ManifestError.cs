namespace Rotor.Core.Resources;

/// <summary>
/// One problem in a manifest: where it is (file, line, column), which field, which rule it
/// breaks, and what to do about it.
/// </summary>
public sealed record ManifestError(string File, int Line, int Column, string Field, string Rule, string Message)
{
    /// <summary>
    /// <c>file:line:column: field: message [rule: …]</c>; an error about the file as a whole (line 0:
    /// it is missing or cannot be read) is <c>file: message [rule: …]</c>.
    /// </summary>
    public override string ToString() => Line > 0
        ? $"{File}:{Line}:{Column}: {Field}: {Message} [rule: {Rule}]"
        : $"{File}: {Message} [rule: {Rule}]";
}

/// <summary>Thrown by callers that refuse a whole manifest; carries every error found.</summary>
public sealed class ManifestException(IReadOnlyList<ManifestError> errors)
    : Exception(FormatMessage(errors))
{
    public IReadOnlyList<ManifestError> Errors { get; } = errors;

    private static string FormatMessage(IReadOnlyList<ManifestError> errors) =>
        $"{errors.Count} error(s) in manifest:{Environment.NewLine}" +
        string.Join(Environment.NewLine, errors.Select(e => "  " + e));
}
