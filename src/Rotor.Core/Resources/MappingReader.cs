using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace Rotor.Core.Resources;

/// <summary>
/// Reads one YAML mapping field by field, remembering which keys were read so that every key
/// nobody asked for is reported as unknown, with its line.
/// </summary>
internal sealed class MappingReader
{
    private readonly YamlMappingNode _node;
    private readonly HashSet<string> _consumed = new(StringComparer.Ordinal);
    private readonly List<ManifestError> _errors;

    public MappingReader(YamlMappingNode node, string path, string file, List<ManifestError> errors)
    {
        _node = node;
        Path = path;
        File = file;
        _errors = errors;
    }

    public string Path { get; }
    public string File { get; }
    public YamlNode Node => _node;

    /// <summary>Errors found so far in the whole parse (shared by every reader of it).</summary>
    public int ErrorCount => _errors.Count;

    public IEnumerable<string> Keys => _node.Children.Keys.OfType<YamlScalarNode>().Select(k => k.Value ?? "");

    public bool Has(string key) => Find(key) is not null;

    public void Error(YamlNode at, string field, string rule, string message) =>
        _errors.Add(new ManifestError(File, (int)at.Start.Line, (int)at.Start.Column, field, rule, message));

    public void Error(string key, string rule, string message) =>
        Error(Find(key) ?? _node, Field(key), rule, message);

    public string Field(string key) => Path.Length == 0 ? key : Path + "." + key;

    public YamlNode? Find(string key)
    {
        foreach (var (k, v) in _node.Children)
        {
            if (k is YamlScalarNode s && s.Value == key)
            {
                _consumed.Add(key);
                return v;
            }
        }
        return null;
    }

    public string? String(string key, bool required = false)
    {
        var node = Find(key);
        if (node is null || IsNull(node))
        {
            if (required) Error(_node, Field(key), "required", $"'{key}' is required");
            return null;
        }
        if (node is not YamlScalarNode scalar)
        {
            Error(node, Field(key), "type", "must be a single value, not a list or mapping");
            return null;
        }
        return scalar.Value;
    }

    public int? Int(string key, bool required = false)
    {
        var text = String(key, required);
        if (text is null) return null;
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v))
        {
            Error(key, "type", $"'{text}' is not a whole number");
            return null;
        }
        return v;
    }

    public double? Number(string key)
    {
        var text = String(key);
        if (text is null) return null;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v))
        {
            Error(key, "type", $"'{text}' is not a number");
            return null;
        }
        return v;
    }

    public bool? Bool(string key)
    {
        var text = String(key);
        if (text is null) return null;
        switch (text.ToLowerInvariant())
        {
            case "true" or "yes" or "on": return true;
            case "false" or "no" or "off": return false;
            default:
                Error(key, "type", $"'{text}' is not true or false");
                return null;
        }
    }

    public TimeSpan? Duration(string key)
    {
        var text = String(key);
        if (text is null) return null;
        if (!DurationParser.TryParse(text, out var value))
        {
            Error(key, "duration-format", $"'{text}' is not a duration; write it like 2160h, 90m, 1h30m or 30d");
            return null;
        }
        return value;
    }

    public IReadOnlyList<string> StringList(string key)
    {
        var node = Find(key);
        if (node is null || IsNull(node)) return [];
        if (node is not YamlSequenceNode seq)
        {
            Error(node, Field(key), "type", "must be a list");
            return [];
        }
        var list = new List<string>();
        for (var i = 0; i < seq.Children.Count; i++)
        {
            if (seq.Children[i] is YamlScalarNode { Value: { } v })
            {
                list.Add(v);
            }
            else
            {
                Error(seq.Children[i], $"{Field(key)}[{i}]", "type", "must be a single value");
            }
        }
        return list;
    }

    /// <summary>The line of a list item, for errors about one entry.</summary>
    public YamlNode? ListItem(string key, int index) =>
        Find(key) is YamlSequenceNode seq && index < seq.Children.Count ? seq.Children[index] : null;

    public MappingReader? Mapping(string key, bool required = false)
    {
        var node = Find(key);
        if (node is null || IsNull(node))
        {
            if (required) Error(_node, Field(key), "required", $"'{key}' is required");
            return null;
        }
        if (node is not YamlMappingNode map)
        {
            Error(node, Field(key), "type", "must be a mapping (key: value)");
            return null;
        }
        return new MappingReader(map, Field(key), File, _errors);
    }

    public IReadOnlyList<MappingReader> MappingList(string key)
    {
        var node = Find(key);
        if (node is null || IsNull(node)) return [];
        if (node is not YamlSequenceNode seq)
        {
            Error(node, Field(key), "type", "must be a list");
            return [];
        }
        var list = new List<MappingReader>();
        for (var i = 0; i < seq.Children.Count; i++)
        {
            if (seq.Children[i] is YamlMappingNode map)
            {
                list.Add(new MappingReader(map, $"{Field(key)}[{i}]", File, _errors));
            }
            else
            {
                Error(seq.Children[i], $"{Field(key)}[{i}]", "type", "must be a mapping (key: value)");
            }
        }
        return list;
    }

    /// <summary>Reports every key that no reader asked for. Call after reading all known fields.</summary>
    public void RejectUnknown(IEnumerable<string>? alsoKnown = null)
    {
        var known = alsoKnown is null ? _consumed : [.. _consumed, .. alsoKnown];
        foreach (var (k, _) in _node.Children)
        {
            var name = (k as YamlScalarNode)?.Value ?? "?";
            if (!known.Contains(name))
            {
                Error(k, Field(name), "unknown-field", $"unknown field '{name}'");
            }
        }
    }

    /// <summary>Reads a secret reference, refusing a secret written inline.</summary>
    public SecretRef? SecretRef(string key, bool required = false)
    {
        var node = Find(key);
        if (node is null || IsNull(node))
        {
            if (required) Error(_node, Field(key), "required", $"'{key}' is required: {{env: NAME}} or {{file: PATH}}");
            return null;
        }
        if (node is YamlScalarNode)
        {
            Error(node, Field(key), "secret-by-reference",
                "secrets are never written inline; use secretRef: {env: NAME} or {file: PATH}");
            return null;
        }
        var m = Mapping(key);
        if (m is null) return null;
        var env = m.String("env");
        var file = m.String("file");
        m.RejectUnknown();
        if ((env is null) == (file is null))
        {
            Error(node, Field(key), "secret-ref-one-of", "give exactly one of 'env' or 'file'");
            return null;
        }
        return new SecretRef(env, file);
    }

    private static bool IsNull(YamlNode node) =>
        node is YamlScalarNode { Value: null or "" or "~" or "null", Style: YamlDotNet.Core.ScalarStyle.Plain };
}
