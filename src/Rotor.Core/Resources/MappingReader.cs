namespace Rotor.Core.Resources;

/// <summary>
/// Reads one YAML mapping field by field, remembering which keys were read so that every key
/// nobody asked for is reported as unknown, with its line.
/// </summary>
internal sealed partial class MappingReader
{
    private readonly ManifestMapping _node;
    private readonly HashSet<string> _consumed = new(StringComparer.Ordinal);

    /// <summary>Every key the parser looked for here, present or not: the known fields of this mapping, for "did you mean".</summary>
    private readonly HashSet<string> _asked = new(StringComparer.Ordinal);
    private readonly ManifestErrorList _errors;
    private Dictionary<string, ManifestNode>? _index;

    public MappingReader(ManifestMapping node, string path, ManifestErrorList errors)
    {
        _node = node;
        Path = path;
        _errors = errors;
    }

    public string Path { get; }
    public string File => _errors.File;
    public ManifestNode Node => _node;

    /// <summary>Errors found so far in the whole parse (shared by every reader of it).</summary>
    public int ErrorCount => _errors.Count;

    public IEnumerable<string> Keys => _node.Children.Select(c => c.Key).OfType<ManifestScalar>().Select(k => k.Value);

    public bool Has(string key) => Find(key) is not null;

    public void Error(ManifestNode at, string field, string rule, string message) =>
        _errors.Add(at.Start.Line, at.Start.Column, field, rule, message);

    public void Error(string key, string rule, string message) =>
        Error(Find(key) ?? _node, Field(key), rule, message);

    /// <summary>The path of a key below this mapping; a key with control characters is shown escaped, an empty one as ''.</summary>
    public string Field(string key)
    {
        var shown = key.Length == 0 ? "''" : ManifestErrorList.Printable(key);
        return Path.Length == 0 ? shown : Path + "." + shown;
    }

    public ManifestNode? Find(string key)
    {
        _asked.Add(key);
        if (_node.Children.Count > 16)
        {
            // A large mapping (a broken or hostile one, mostly unknown keys) is indexed once, so
            // that looking fields up, once per list item in some checks, stays linear in its size.
            _index ??= BuildIndex();
            if (!_index.TryGetValue(key, out var found)) return null;
            _consumed.Add(key);
            return found;
        }
        foreach (var (k, v) in _node.Children)
        {
            if (k is ManifestScalar s && s.Value == key)
            {
                _consumed.Add(key);
                return v;
            }
        }
        return null;
    }

    private Dictionary<string, ManifestNode> BuildIndex()
    {
        var index = new Dictionary<string, ManifestNode>(StringComparer.Ordinal);
        foreach (var (k, v) in _node.Children)
        {
            if (k is ManifestScalar s) index.TryAdd(s.Value, v); // the first of a repeated key, as the loop finds
        }
        return index;
    }

    /// <summary>The line of a list item, for errors about one entry.</summary>
    public ManifestNode? ListItem(string key, int index) =>
        Find(key) is ManifestSequence seq && index < seq.Children.Count ? seq.Children[index] : null;

    public MappingReader? Mapping(string key, bool required = false)
    {
        var node = Find(key);
        if (node is null || IsNull(node))
        {
            if (required) Error(_node, Field(key), "required", $"'{key}' is required");
            return null;
        }
        if (node is not ManifestMapping map)
        {
            Error(node, Field(key), "type", "must be a mapping (key: value)");
            return null;
        }
        return new MappingReader(map, Field(key), _errors);
    }

    public IReadOnlyList<MappingReader> MappingList(string key)
    {
        var node = Find(key);
        if (node is null || IsNull(node)) return [];
        if (node is not ManifestSequence seq)
        {
            Error(node, Field(key), "type", "must be a list");
            return [];
        }
        var list = new List<MappingReader>();
        for (var i = 0; i < seq.Children.Count; i++)
        {
            if (seq.Children[i] is ManifestMapping map)
            {
                list.Add(new MappingReader(map, $"{Field(key)}[{i}]", _errors));
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
        var candidates = alsoKnown is null ? _asked : [.. _asked, .. alsoKnown];
        foreach (var (k, _) in _node.Children)
        {
            var name = (k as ManifestScalar)?.Value ?? "?";
            if (!known.Contains(name))
            {
                // Suggestions cost a little each: only for errors the report keeps.
                var suggestion = _errors.WillKeep ? FieldSuggestion.Closest(name, candidates) : null;
                Error(k, Field(name), "unknown-field",
                    $"unknown field '{ManifestErrorList.Printable(name)}'" + (suggestion is null ? "" : $"; did you mean '{suggestion}'?"));
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
        if (node is ManifestScalar)
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

    private static bool IsNull(ManifestNode node) => node is ManifestScalar { IsNull: true };
}
