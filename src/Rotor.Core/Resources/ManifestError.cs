namespace Rotor.Core.Resources;

/// <summary>
/// One problem in a manifest: where it is (file, line, column), which field, which rule it
/// breaks, and what to do about it.
/// </summary>
public sealed record ManifestError(string File, int Line, int Column, string Field, string Rule, string Message)
{
    public override string ToString() =>
        $"{File}:{Line}:{Column}: {Field}: {Message} [rule: {Rule}]";
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
