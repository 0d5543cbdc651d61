// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using static Cairn.Verification.Tests.Support;

namespace Cairn.Verification.Tests;

/// <summary>The provenance encoding of docs/formats/provenance.md, pinned by the vectors printed there.</summary>
public sealed class ProvenanceTests
{
    private static readonly Provenance Example = new()
    {
        User = "immudb",
        ClientAddress = "ipv4:127.0.0.1:50312",
        SessionId = "4f2c9a",
        Origin = "billing",
        RequestId = "req-42",
    };

    // docs/formats/provenance.md, "Worked example".
    private const string ExampleHex =
        "01" + "0106696d6d756462" + "0214697076343a3132372e302e302e313a3530333132" + "0306346632633961" + "040762696c6c696e67" + "05067265712d3432";

    private const string DigestFormHex =
        "01" + "0106696d6d756462" + "0214697076343a3132372e302e302e313a3530333132" + "05067265712d3432"
        + "1020" + "40c6426d31e69ad713ec96b07b7f2e55ecacb3c48f0b127d2747832179dd751f";

    [Fact]
    public void The_example_encodes_to_the_documented_bytes_and_decodes_back()
    {
        var encoded = Example.Encode();
        Assert.False(encoded.IsDigestForm);
        Assert.Equal(ExampleHex, ToHex(encoded.Extra));
        Assert.Equal(encoded.Extra, encoded.FullRecord);

        var decoded = Provenance.Decode(Hex(ExampleHex));
        Assert.Equal(ProvenanceStatus.Complete, decoded.Status);
        Assert.Equal(Example, decoded.Provenance);
        Assert.Null(decoded.RecordDigest);
        Assert.Equal(Example, Provenance.ParseFullRecord(Hex(ExampleHex)));
    }

    [Fact]
    public void The_example_in_a_version_1_header_gives_the_documented_inner_hash_and_Alh()
    {
        var header = new TxHeader(
            2, Digest.OfEmpty, 1_700_000_000, TxHeader.Version1, new TxMetadata(extra: Hex(ExampleHex)), 1,
            Digest.Compute("entries"u8), 1, Digest.Compute("root"u8));
        Assert.Equal("010038" + ExampleHex, ToHex(header.Metadata!.ToBytes()));
        Assert.Equal("14ffd027025c27634d61ce89469a942878398e253a96ace50e77822ecc218a21", header.InnerHash().ToString());
        Assert.Equal("32d5e23567b50f8453fa591c39e2c28a6bc91a38abe41ffe457b4e6600beecab", header.Alh().ToString());
        Assert.Equal(Example, ProvenanceInfo.Of(header)!.Provenance);

        // One byte of the provenance changed: another Alh, so no proof made for the original verifies.
        var altered = Hex(ExampleHex);
        altered[^1] ^= 0x01;
        var forged = new TxHeader(2, Digest.OfEmpty, 1_700_000_000, TxHeader.Version1, new TxMetadata(extra: altered), 1, Digest.Compute("entries"u8), 1, Digest.Compute("root"u8));
        Assert.NotEqual(header.Alh(), forged.Alh());
    }

    [Fact]
    public void A_record_over_256_bytes_keeps_the_fields_that_fit_and_the_digest_of_the_full_record()
    {
        var large = new Provenance { User = "immudb", ClientAddress = "ipv4:127.0.0.1:50312", Origin = new string('o', 250), RequestId = "req-42" };
        var encoded = large.Encode();
        Assert.True(encoded.IsDigestForm);
        Assert.Equal(291, encoded.FullRecord.Length);
        Assert.Equal(DigestFormHex, ToHex(encoded.Extra));

        var decoded = Provenance.Decode(encoded.Extra);
        Assert.Equal(ProvenanceStatus.Digest, decoded.Status);
        Assert.Equal(large with { Origin = null }, decoded.Provenance);
        Assert.True(decoded.IsRecordOf(encoded.FullRecord));
        Assert.False(decoded.IsRecordOf(encoded.Extra));
        Assert.Equal(large, Provenance.ParseFullRecord(encoded.FullRecord));
    }

    [Fact]
    public void Every_record_of_maximal_fields_fits_a_header()
    {
        var max = new string('m', Provenance.MaxFieldLength);
        var encoded = new Provenance { User = max, ClientAddress = max, SessionId = max, Origin = max, RequestId = max }.Encode();
        Assert.True(encoded.IsDigestForm);
        Assert.True(encoded.Extra.Length <= TxMetadata.MaxExtraSize);
        Assert.Equal(1 + 34, encoded.Extra.Length);
        _ = new TxMetadata(extra: encoded.Extra);
        Assert.Equal(encoded.Extra.Length, new Provenance().Encode().Extra.Length + 34);
    }

    [Fact]
    public void Empty_fields_are_omitted_and_too_long_ones_refused()
    {
        Assert.Equal("01", ToHex(new Provenance { User = "", Origin = null }.Encode().Extra));
        Assert.Equal(ProvenanceStatus.Complete, Provenance.Decode([0x01]).Status);
        Assert.Throws<ArgumentException>(() => new Provenance { Origin = new string('o', 256) }.Encode());
        Assert.Throws<ArgumentException>(() => new Provenance { User = new string('é', 128) }.Encode()); // 256 UTF-8 bytes
    }

    [Theory]
    [InlineData("", ProvenanceStatus.UnknownFormat)]
    [InlineData("02", ProvenanceStatus.UnknownFormat)]
    [InlineData("ff0102", ProvenanceStatus.UnknownFormat)]
    [InlineData("0101", ProvenanceStatus.Malformed)]                  // truncated field header
    [InlineData("010105616263", ProvenanceStatus.Malformed)]          // length beyond the end
    [InlineData("010100", ProvenanceStatus.Malformed)]                // empty field
    [InlineData("010201610101" + "62", ProvenanceStatus.Malformed)]   // tags out of order
    [InlineData("0101016101010162", ProvenanceStatus.Malformed)]      // tag repeated
    [InlineData("01060161", ProvenanceStatus.Malformed)]              // unknown tag
    [InlineData("011001aa", ProvenanceStatus.Malformed)]              // digest of the wrong size
    [InlineData("010102c328", ProvenanceStatus.Malformed)]            // not UTF-8
    public void Unknown_or_malformed_bytes_are_shown_raw_never_thrown(string hex, ProvenanceStatus expected)
    {
        var decoded = Provenance.Decode(Hex(hex));
        Assert.Equal(expected, decoded.Status);
        Assert.Equal(Hex(hex), decoded.Raw);
        Assert.Null(decoded.Provenance);
        Assert.NotNull(decoded.Problem);
        Assert.Throws<FormatException>(() => Provenance.ParseFullRecord(Hex(hex)));
    }

    [Fact]
    public void Headers_without_extra_have_no_provenance()
    {
        var v0 = new TxHeader(1, Digest.OfEmpty, 1, TxHeader.Version0, null, 1, Digest.Zero, 0, Digest.Zero);
        Assert.Null(ProvenanceInfo.Of(v0));
        var truncatedOnly = new TxHeader(1, Digest.OfEmpty, 1, TxHeader.Version1, new TxMetadata(truncatedTxId: 1), 1, Digest.Zero, 0, Digest.Zero);
        Assert.Null(ProvenanceInfo.Of(truncatedOnly));
    }
}
