// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Text.Json;
using Cairn.Engine;
using Cairn.Security;

namespace Cairn.Server.Configuration;

/// <summary>
/// The provisioning file (<c>--users-file</c>): a JSON array of users, each
/// <c>{ "name", "password" | "passwordHash", "active", "permissions": { "db": "read|readwrite|admin" }, "roles" }</c>.
/// Unknown fields are refused so that a typo does not silently leave a user without a password or grant.
/// </summary>
public static class UsersFile
{
    private static readonly string[] Fields = ["name", "password", "passwordHash", "active", "permissions", "roles"];

    /// <summary>The users of the file at <paramref name="path"/>.</summary>
    /// <exception cref="SettingsException">The file cannot be read or is invalid; the message says where and why, never quoting a password.</exception>
    public static IReadOnlyList<ProvisionedUser> Load(string path)
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
    public static IReadOnlyList<ProvisionedUser> Parse(ReadOnlySpan<byte> json, string path)
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
            if (document.RootElement.ValueKind != JsonValueKind.Array)
            {
                throw new SettingsException($"users-file: {path} must hold a JSON array of users");
            }

            var users = new List<ProvisionedUser>();
            int index = 0;
            foreach (var element in document.RootElement.EnumerateArray())
            {
                index++;
                users.Add(ParseUser(element, $"users-file: {path}, user #{index}"));
            }

            return users;
        }
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
                    if (property.Value.ValueKind != JsonValueKind.Array)
                    {
                        throw new SettingsException($"{where}: roles must be an array");
                    }

                    if (property.Value.GetArrayLength() > 0)
                    {
                        throw new SettingsException($"{where}: roles are not supported yet; grant permissions per database instead");
                    }

                    break;
                default:
                    throw new SettingsException($"{where}: unknown field '{property.Name}' (known: {string.Join(", ", Fields)})");
            }
        }

        if (name is null)
        {
            throw new SettingsException($"{where}: name is required");
        }

        return new ProvisionedUser(name, password, hash, active, permissions);
    }

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
