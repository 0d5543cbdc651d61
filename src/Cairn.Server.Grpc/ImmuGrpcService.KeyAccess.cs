// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using Cairn.Security;
using Cairn.Storage;
using Grpc.Core;

namespace Cairn.Server.Grpc;

/// <summary>
/// Key-level privileges. The method table lets a caller through when it holds the privilege on some keys of the
/// database; each data method then names the keys it touches here, before it acts (so a refusal tells nothing
/// about the data) and, for values reached through references, again on what it found.
/// </summary>
public sealed partial class ImmuGrpcService
{
    private void RequireKey(ServerCallContext context, Privilege privilege, ReadOnlySpan<byte> key) =>
        engine.Access.RequireKey(CallerInterceptor.Caller(context), privilege, key);

    private void RequireKeys(ServerCallContext context, Privilege privilege, IEnumerable<byte[]> keys) =>
        engine.Access.RequireKeys(CallerInterceptor.Caller(context), privilege, keys);

    private void RequirePrefix(ServerCallContext context, Privilege privilege, ReadOnlySpan<byte> prefix) =>
        engine.Access.RequirePrefix(CallerInterceptor.Caller(context), privilege, prefix);

    // A reference leads to another key: reading through it needs READ on both.
    private void RequireReadable(ServerCallContext context, IEnumerable<Entry> entries) =>
        RequireKeys(context, Privilege.Read, entries.SelectMany(e => e.ReferencedBy is { } r ? new[] { e.Key, r.Key } : [e.Key]));

    // Preconditions tell whether keys exist or changed: they need READ on those keys.
    private void RequirePreconditions(ServerCallContext context, IEnumerable<Precondition> preconditions) =>
        RequireKeys(context, Privilege.Read, preconditions.Select(p => p switch
        {
            Precondition.KeyMustExist e => e.Key,
            Precondition.KeyMustNotExist n => n.Key,
            Precondition.KeyNotModifiedAfterTx m => m.Key,
            _ => throw ApiErrors.IllegalArguments("unknown precondition"),
        }));

    // Writing an entry whose metadata marks it deleted is a delete.
    private void RequireWritable(ServerCallContext context, IReadOnlyList<KeyValue> entries)
    {
        RequireKeys(context, Privilege.Write, entries.Select(e => e.Key));
        RequireKeys(context, Privilege.Delete, entries.Where(e => e.Metadata?.Deleted == true).Select(e => e.Key));
    }

    private void RequireOperations(ServerCallContext context, IEnumerable<Operation> operations)
    {
        foreach (var operation in operations)
        {
            switch (operation)
            {
                case Operation.Put put:
                    RequireWritable(context, [put.Entry]);
                    break;
                case Operation.Reference reference:
                    RequireKey(context, Privilege.Write, reference.Key);
                    RequireKey(context, Privilege.Read, reference.ReferencedKey);
                    break;
                case Operation.ZAdd zadd:
                    RequireKey(context, Privilege.Write, zadd.SortedSet);
                    RequireKey(context, Privilege.Read, zadd.Key);
                    break;
                case Operation.Delete delete:
                    RequireKey(context, Privilege.Delete, delete.Key);
                    break;
            }
        }
    }
}
