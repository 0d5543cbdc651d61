// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Cairn.Cli.Output;

/// <summary>The JSON of every view, source-generated; compact so that each document is one line.</summary>
[JsonSerializable(typeof(EntryView))]
[JsonSerializable(typeof(EntriesView))]
[JsonSerializable(typeof(TxHeaderView))]
[JsonSerializable(typeof(CountView))]
[JsonSerializable(typeof(ZEntriesView))]
[JsonSerializable(typeof(TxView))]
[JsonSerializable(typeof(TxsView))]
[JsonSerializable(typeof(StateView))]
[JsonSerializable(typeof(HealthView))]
[JsonSerializable(typeof(DoneView))]
[JsonSerializable(typeof(UsersView))]
[JsonSerializable(typeof(GrantsView))]
[JsonSerializable(typeof(RolesView))]
[JsonSerializable(typeof(DatabasesView))]
[JsonSerializable(typeof(ServerInfoView))]
[JsonSerializable(typeof(VerifySummaryView))]
[JsonSerializable(typeof(HelpView))]
[JsonSerializable(typeof(AuditRecordsView))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
internal sealed partial class CliJson : JsonSerializerContext
{
    /// <summary>As generated, but keeping non-ASCII text readable rather than \u-escaped.</summary>
    public static CliJson Readable { get; } = new(new JsonSerializerOptions
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
