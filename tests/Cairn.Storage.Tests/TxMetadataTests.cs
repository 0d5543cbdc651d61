// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using Cairn.Storage.Verify;
using Cairn.Verification;

namespace Cairn.Storage.Tests;

/// <summary>Writes carrying header metadata (provenance in <c>extra</c>): version-1 headers that survive reopen and verify.</summary>
public sealed class TxMetadataTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static TxMetadata Extra(string text) => new(extra: System.Text.Encoding.UTF8.GetBytes(text));

    [Fact]
    public async Task A_write_with_extra_gets_a_version_1_header_that_reopens_verifies_and_proves()
    {
        TxHeader plain, marked, reference, full;
        using (var db = Database.Open(_folder.Path))
        {
            plain = await db.SetAsync([new KeyValue("a"u8.ToArray(), "1"u8.ToArray())]);
            marked = await db.WriteAsync([new Operation.Put(new KeyValue("b"u8.ToArray(), "2"u8.ToArray()))], new TxWriteOptions { TxMetadata = Extra("who") });
            reference = await db.WriteAsync([new Operation.Reference("r"u8.ToArray(), "a"u8.ToArray(), 0, false)], new TxWriteOptions { TxMetadata = Extra("ref") });
            full = await db.WriteAsync(
                [new Operation.Put(new KeyValue("c"u8.ToArray(), "3"u8.ToArray()))],
                new TxWriteOptions { TxMetadata = Extra(new string('x', TxMetadata.MaxExtraSize)), Preconditions = [new Precondition.KeyMustNotExist("c"u8.ToArray())] });
            await db.WriteAsync([new Operation.Put(new KeyValue("d"u8.ToArray(), "4"u8.ToArray()))], new TxWriteOptions { TxMetadata = new TxMetadata() });

            Assert.Equal(TxHeader.Version0, plain.Version);
            Assert.Equal(TxHeader.Version1, marked.Version);
            Assert.Equal("who"u8.ToArray(), marked.Metadata!.Extra!.Value.ToArray());
            Assert.Equal(TxHeader.Version1, reference.Version);
            Assert.Equal(TxMetadata.MaxExtraSize, full.Metadata!.Extra!.Value.Length);
            Assert.Equal(TxHeader.Version0, db.ReadTx(db.LastTxId).Header.Version);

            // The dual proof from a v0 tx to the v1 ones and back to the newest verifies with their Alhs.
            var proof = db.ProveDual(plain.Id, full.Id);
            DualProof.Verify(proof, plain.Id, full.Id, plain.Alh(), full.Alh());
        }

        using (var db = Database.Open(_folder.Path))
        {
            var read = db.ReadTx(marked.Id).Header;
            Assert.Equal(marked, read);
            Assert.Equal(marked.Alh(), read.Alh());
            Assert.Equal(full, db.ReadTx(full.Id).Header);
            Assert.Equal("2"u8.ToArray(), (await db.GetAsync("b"u8.ToArray())).Value);
        }

        var report = DatabaseVerifier.Verify(_folder.Path);
        Assert.True(report.Ok, string.Join("; ", report.Problems.Select(DatabaseVerifier.Describe)));
    }

    [Fact]
    public async Task Extra_longer_than_256_bytes_is_refused()
    {
        using var db = Database.Open(_folder.Path);
        Assert.Throws<ArgumentException>(() => Extra(new string('x', TxMetadata.MaxExtraSize + 1)));
        await Assert.ThrowsAsync<ArgumentNullException>(() => db.WriteAsync([new Operation.Put(new KeyValue("a"u8.ToArray(), "1"u8.ToArray()))], null!));
    }
}
