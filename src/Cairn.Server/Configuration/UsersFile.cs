// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Text.Json;
using Cairn.Engine;
using Cairn.Security;

namespace Cairn.Server.Configuration;

/// <summary>
/// The provisioning file (<c>--users-file</c>): a JSON array of users, or an object <c>{ "roles": [...], "users": [...] }</c>.
/// A user is <c>{ "name", "password" | "passwordHash", "active", "permissions": { "db": "read|readwrite|admin" },
/// "roles": ["role"], "grants": [grant] }</c>; a role is <c>{ "name", "grants": [grant] }</c>; a grant is
/// <c>{ "privilege": "READ", "database": "db" | "*", "pattern": "sensors.**" }</c>. Unknown fields are refused so
/// that a typo does not silently leave a user without a password or grant.
/// </summary>
public static class UsersFile
{
    private static readonly string[] Fields = ["name", "password", "passwordHash", "active", "permissions", "roles", "grants"];
    private static readonly string[] RoleFields = ["name", "grants"];
    private static readonly string[] GrantFields = ["privilege", "database", "pattern"];

    /// <summary>The roles and users of the file at <paramref name="path"/>.</summary>
    /// <exception cref="SettingsException">The file cannot be read or is invalid; the message says where and why, never quoting a password.</exception>
    public static ProvisioningPlan Load(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SettingsException($"users-file: cannot read {path}: {e.Message}");
        }

        return Parse(bytes, path);
    }

    /// <summary>Parses the file's content; <paramref name="path"/> is for messages only.</summary>
    public static ProvisioningPlan Parse(ReadOnlySpan<byte> json, string path)
    {
        // Editors on some systems start UTF-8 files with a byte order mark, which the JSON reader refuses.
        if (json.StartsWith("\uFEFF"u8))
        {
            json = json[3..];
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json.ToArray(), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            // The parser's own message can quote the text around the error, which may be a password.
            throw new SettingsException($"users-file: {path} is not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1})");
        }

        using (document)
        {
            var root = document.RootElement;
            JsonElement? usersElement = root.ValueKind == JsonValueKind.Array ? root : null;
            JsonElement? rolesElement = null;
            if (root.ValueKind == JsonValueKind.Object)
            {
                foreach (var property in root.EnumerateObject())
                {
                    switch (property.Name)
                    {
                        case "users":
                            usersElement = property.Value;
                            break;
                        case "roles":
                            rolesElement = property.Value;
                            break;
                        default:
                            throw new SettingsException($"users-file: {path}: unknown field '{property.Name}' (known: users, roles)");
                    }
                }
            }
            else if (root.ValueKind != JsonValueKind.Array)
            {
                throw new SettingsException($"users-file: {path} must hold a JSON array of users, or an object with \"users\" and \"roles\" arrays");
            }

            var users = ParseArray(usersElement, $"users-file: {path}", "users", "user", ParseUser);
            var roles = ParseArray(rolesElement, $"users-file: {path}", "roles", "role", ParseRole);
            return new ProvisioningPlan(users, roles);
        }
    }

    private static List<T> ParseArray<T>(JsonElement? element, string where, string field, string noun, Func<JsonElement, string, T> parse)
    {
        var items = new List<T>();
        if (element is not { } array)
        {
            return items;
        }

        if (array.ValueKind != JsonValueKind.Array)
        {
            throw new SettingsException($"{where}: {field} must be an array");
        }

        int index = 0;
        foreach (var item in array.EnumerateArray())
        {
            index++;
            items.Add(parse(item, $"{where}, {noun} #{index}"));
        }

        return items;
    }

    private static ProvisionedRole ParseRole(JsonElement element, string where)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new SettingsException($"{where}: must be an object");
        }

        string? name = null;
        var grants = new List<Grant>();
        foreach (var property in element.EnumerateObject())
        {
            switch (property.Name)
            {
                case "name":
                    name = String(property, where);
                    where += $" ('{name}')";
                    break;
                case "grants":
                    grants = ParseGrants(property.Value, where);
                    break;
                default:
                    throw new SettingsException($"{where}: unknown field '{property.Name}' (known: {string.Join(", ", RoleFields)})");
            }
        }

        return name is null ? throw new SettingsException($"{where}: name is required") : new ProvisionedRole(name, grants);
    }

    private static List<Grant> ParseGrants(JsonElement value, string where)
    {
        if (value.ValueKind != JsonValueKind.Array)
        {
            throw new SettingsException($"{where}: grants must be an array of {{ \"privilege\", \"database\", \"pattern\" }}");
        }

        var grants = new List<Grant>();
        int index = 0;
        foreach (var element in value.EnumerateArray())
        {
            index++;
            string at = $"{where}, grant #{index}";
            if (element.ValueKind != JsonValueKind.Object)
            {
                throw new SettingsException($"{at}: must be an object");
            }

            string? privilegeName = null, database = null, pattern = null;
            foreach (var property in element.EnumerateObject())
            {
                switch (property.Name)
                {
                    case "privilege":
                        privilegeName = String(property, at);
                        break;
                    case "database":
                        database = String(property, at);
                        break;
                    case "pattern":
                        pattern = String(property, at);
                        break;
                    default:
                        throw new SettingsException($"{at}: unknown field '{property.Name}' (known: {string.Join(", ", GrantFields)})");
                }
            }

            if (!Privileges.TryParse(privilegeName, out var privilege))
            {
                throw new SettingsException($"{at}: privilege must be one of {string.Join(", ", Privileges.All.Select(p => p.Name()))}");
            }

            if (string.IsNullOrEmpty(database))
            {
                throw new SettingsException($"{at}: database is required ('*' for every database)");
            }

            grants.Add(new Grant(privilege, database, string.IsNullOrEmpty(pattern) ? Grant.AllKeys : pattern));
        }

        return grants;
    }

    private static ProvisionedUser ParseUser(JsonElement element, string where)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new SettingsException($"{where}: must be an object");
        }

        string? name = null, password = null, hash = null;
        bool active = true;
        var permissions = new Dictionary<string, Permission>(StringComparer.Ordinal);
        List<string> roles = [];
        List<Grant> grants = [];
        foreach (var property in element.EnumerateObject())
        {
            switch (property.Name)
            {
                case "name":
                    name = String(property, where);
                    where += $" ('{name}')";
                    break;
                case "password":
                    password = String(property, where);
                    break;
                case "passwordHash":
                    hash = String(property, where);
                    break;
                case "active":
                    active = property.Value.ValueKind switch
                    {
                        JsonValueKind.True => true,
                        JsonValueKind.False => false,
                        _ => throw new SettingsException($"{where}: active must be true or false"),
                    };
                    break;
                case "permissions":
                    ParsePermissions(property.Value, permissions, where);
                    break;
                case "roles":
                    roles = ParseRoleNames(property.Value, where);
                    break;
                case "grants":
                    grants = ParseGrants(property.Value, where);
                    break;
                default:
                    throw new SettingsException($"{where}: unknown field '{property.Name}' (known: {string.Join(", ", Fields)})");
            }
        }

        if (name is null)
        {
            throw new SettingsException($"{where}: name is required");
        }

        return new ProvisionedUser(name, password, hash, active, permissions) { Roles = roles, Grants = grants };
    }

    private static List<string> ParseRoleNames(JsonElement value, string where) =>
        value.ValueKind == JsonValueKind.Array && value.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String)
            ? [.. value.EnumerateArray().Select(e => e.GetString()!)]
            : throw new SettingsException($"{where}: roles must be an array of role names");

    private static void ParsePermissions(JsonElement value, Dictionary<string, Permission> permissions, string where)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw new SettingsException($"{where}: permissions must be an object of database name to read, readwrite or admin");
        }

        foreach (var grant in value.EnumerateObject())
        {
            Permission permission = grant.Value.ValueKind switch
            {
                JsonValueKind.String => grant.Value.GetString() switch
                {
                    "read" => Permission.Read,
                    "readwrite" => Permission.ReadWrite,
                    "admin" => Permission.Admin,
                    _ => Permission.None,
                },
                JsonValueKind.Number when grant.Value.TryGetUInt32(out uint number) && Permissions.IsGrantable(number) => (Permission)number,
                _ => Permission.None,
            };
            if (permission == Permission.None)
            {
                throw new SettingsException($"{where}: the permission on '{grant.Name}' must be read, readwrite or admin (or 1, 2, 254)");
            }

            if (!permissions.TryAdd(grant.Name, permission))
            {
                throw new SettingsException($"{where}: database '{grant.Name}' is listed twice");
            }
        }
    }

    private static string String(JsonProperty property, string where) =>
        property.Value.ValueKind == JsonValueKind.String
            ? property.Value.GetString()!
            : throw new SettingsException($"{where}: {property.Name} must be a string");
}
