// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using static Cairn.Verification.Tests.Support;

namespace Cairn.Verification.Tests;

public sealed class ValueTypeTests
{
    [Fact]
    public void Digests_compare_by_bytes_and_print_as_hex()
    {
        var a = Digest.Compute(Ascii("a"));
        var copy = new Digest(a.ToArray());
        Assert.Equal(a, copy);
        Assert.True(a == copy);
        Assert.False(a != copy);
        Assert.True(a.Equals((object)copy));
        Assert.False(a.Equals("a"));
        Assert.Equal(a.GetHashCode(), copy.GetHashCode());
        Assert.Equal(a, Digest.FromHex(a.ToString()));
        Assert.Equal(32, a.AsSpan().Length);
        for (int bit = 0; bit < 256; bit += 63)
        {
            Assert.NotEqual(a, FlipBit(a, bit));
        }

        Assert.Equal(new string('0', 64), Digest.Zero.ToString());
        Assert.Throws<ArgumentException>(() => new Digest(new byte[31]));
        Assert.Throws<FormatException>(() => Digest.FromHex("00"));
        Assert.Throws<ArgumentNullException>(() => Digest.FromHex(null!));
    }

    [Fact]
    public void Digest_compute_matches_dotnet_sha256_for_every_length_up_to_four_blocks_and_a_large_input()
    {
        // On Linux the fast path through OpenSSL's low-level functions must be the one in use.
        Assert.Equal(OperatingSystem.IsLinux(), NativeSha256.IsAvailable);
        var random = new Random(3);
        var input = new byte[1 << 20];
        random.NextBytes(input);
        for (int length = 0; length <= 256; length++)
        {
            Assert.Equal(System.Security.Cryptography.SHA256.HashData(input.AsSpan(0, length)), Digest.Compute(input.AsSpan(0, length)).ToArray());
        }

        Assert.Equal(System.Security.Cryptography.SHA256.HashData(input), Digest.Compute(input).ToArray());
        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", Digest.Compute(Ascii("abc")).ToString());
    }

    [Fact]
    public void Kv_metadata_serializes_each_attribute_and_parses_strictly()
    {
        Assert.True(new KvMetadata().IsEmpty);
        Assert.Empty(new KvMetadata().ToBytes());
        Assert.Equal("00", ToHex(new KvMetadata { Deleted = true }.ToBytes()));
        Assert.Equal("02", ToHex(new KvMetadata { NonIndexable = true }.ToBytes()));
        Assert.Equal("01ffffffffffffffff", ToHex(new KvMetadata { ExpiresAt = -1 }.ToBytes()));
        Assert.Equal(new KvMetadata { ExpiresAt = -1 }, KvMetadata.Parse(Hex("01ffffffffffffffff")));
        Assert.Equal(new KvMetadata(), KvMetadata.Parse([]));

        Assert.Throws<FormatException>(() => KvMetadata.Parse(Hex("0000")));   // repeated
        Assert.Throws<FormatException>(() => KvMetadata.Parse(Hex("0200")));   // out of order
        Assert.Throws<FormatException>(() => KvMetadata.Parse(Hex("0100")));   // truncated expiration
        Assert.Throws<FormatException>(() => KvMetadata.Parse(Hex("03")));     // unknown
        Assert.True(KvMetadata.MaxSerializedSize >= new KvMetadata { Deleted = true, ExpiresAt = 1, NonIndexable = true }.SerializedSize);
    }

    [Fact]
    public void Tx_metadata_serializes_each_attribute_and_parses_strictly()
    {
        Assert.True(new TxMetadata().IsEmpty);
        Assert.Null(new TxMetadata().Extra);
        Assert.Equal("000000000000000009", ToHex(new TxMetadata(9).ToBytes()));
        var emptyExtra = new TxMetadata(null, [], hasExtra: true);
        Assert.Equal("010000", ToHex(emptyExtra.ToBytes()));
        Assert.Equal(0, TxMetadata.Parse(Hex("010000")).Extra!.Value.Length);
        var parsed = TxMetadata.Parse(Hex("0000000000000000050100026869"));
        Assert.Equal(5UL, parsed.TruncatedTxId);
        Assert.Equal(Ascii("hi"), parsed.Extra!.Value.ToArray());

        Assert.Throws<ArgumentException>(() => new TxMetadata(null, new byte[TxMetadata.MaxExtraSize + 1]));
        Assert.Throws<FormatException>(() => TxMetadata.Parse(Hex("0000")));            // truncated truncation point
        Assert.Throws<FormatException>(() => TxMetadata.Parse(Hex("01")));              // truncated extra length
        Assert.Throws<FormatException>(() => TxMetadata.Parse(Hex("01000561")));        // extra shorter than said
        Assert.Throws<FormatException>(() => TxMetadata.Parse(Hex("010000" + "010000"))); // repeated
        Assert.Throws<FormatException>(() => TxMetadata.Parse(Hex("07")));              // unknown
        Assert.Throws<FormatException>(() => TxMetadata.Parse([0x01, 0x01, 0x01, .. new byte[257]])); // over 256
    }

    [Fact]
    public void Headers_refuse_impossible_combinations()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new TxHeader(1, Digest.OfEmpty, 0, 2, null, 1, Digest.Zero, 0, Digest.Zero));
        Assert.Throws<ArgumentException>(() => new TxHeader(1, Digest.OfEmpty, 0, 0, new TxMetadata(1), 1, Digest.Zero, 0, Digest.Zero));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TxHeader(1, Digest.OfEmpty, 0, 0, null, -1, Digest.Zero, 0, Digest.Zero));

        // Empty metadata is no metadata: a v0 header may carry it and v1 hashes it as length 0.
        var v0 = new TxHeader(1, Digest.OfEmpty, 5, 0, new TxMetadata(), 1, Digest.Zero, 0, Digest.Zero);
        Assert.Null(v0.Metadata);
        var v1 = new TxHeader(1, Digest.OfEmpty, 5, 1, new TxMetadata(), 1, Digest.Zero, 0, Digest.Zero);
        Assert.Equal(new TxHeader(1, Digest.OfEmpty, 5, 1, null, 1, Digest.Zero, 0, Digest.Zero).Alh(), v1.Alh());
        Assert.NotEqual(v0.Alh(), v1.Alh());

        Assert.Equal(v1, new TxHeader(1, Digest.OfEmpty, 5, 1, null, 1, Digest.Zero, 0, Digest.Zero));
        Assert.NotEqual(v0, v1);
        Assert.False(v0.Equals(null));
        Assert.False(v0.Equals((object)"tx"));
        Assert.Equal(v0.GetHashCode(), new TxHeader(1, Digest.OfEmpty, 5, 0, null, 1, Digest.Zero, 0, Digest.Zero).GetHashCode());
        Assert.Contains("tx 1 v0", v0.ToString(), StringComparison.Ordinal);
        var withMetadata = new TxHeader(1, Digest.OfEmpty, 5, 1, new TxMetadata(1), 1, Digest.Zero, 0, Digest.Zero);
        Assert.NotEqual(v1, withMetadata);
    }

    [Fact]
    public void Entry_digests_check_version_and_metadata()
    {
        var key = Ascii("\0k");
        var hash = Digest.Compute(Ascii("\0v"));
        Assert.Equal(EntryDigest.V0(key, hash), EntryDigest.For(0, null, key, hash));
        Assert.Equal(EntryDigest.V0(key, hash), EntryDigest.For(0, new KvMetadata(), key, hash));
        Assert.Throws<ArgumentException>(() => EntryDigest.For(0, new KvMetadata { Deleted = true }, key, hash));
        Assert.Throws<ArgumentOutOfRangeException>(() => EntryDigest.For(2, null, key, hash));
        Assert.Throws<ArgumentException>(() => EntryDigest.V1(null, new byte[ushort.MaxValue + 1], hash));

        // Keys beyond the stack buffer hash the same way (pooled buffer path).
        var longKey = new byte[5000];
        Array.Fill(longKey, (byte)7);
        Assert.Equal(Digest.Compute([.. longKey, .. hash.ToArray()]), EntryDigest.V0(longKey, hash));
        Assert.Equal(
            Digest.Compute([0, 0, 0x13, 0x88, .. longKey, .. hash.ToArray()]),
            EntryDigest.V1(null, longKey, hash));

        var entry = new TxEntry(key, hash, 2, new KvMetadata());
        Assert.Null(entry.Metadata);
        Assert.Equal(2, entry.ValueLength);
        Assert.Throws<ArgumentOutOfRangeException>(() => new TxEntry(key, hash, -1));
    }

    [Fact]
    public void Large_v1_headers_hash_through_the_pooled_buffer()
    {
        var metadata = new TxMetadata(3, new byte[TxMetadata.MaxExtraSize]);
        var header = new TxHeader(9, Digest.OfEmpty, 1, 1, metadata, 3, Digest.Zero, 8, Digest.Zero);
        byte[] expected = [
            0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0x01, 0x0c, .. metadata.ToBytes(), 0, 0, 0, 3, .. Digest.Zero.ToArray(),
            0, 0, 0, 0, 0, 0, 0, 8, .. Digest.Zero.ToArray()];
        Assert.Equal(Digest.Compute(expected), header.InnerHash());
    }

    [Fact]
    public void Entry_trees_refuse_empty_transactions_and_bad_indexes()
    {
        Assert.Throws<ArgumentException>(() => new TxMerkleTree([]));
        Assert.Throws<ArgumentException>(() => TxMerkleTree.ComputeRoot([]));
        var tree = new TxMerkleTree([Digest.Zero, Digest.OfEmpty]);
        Assert.Throws<ArgumentOutOfRangeException>(() => tree.ProveInclusion(2));
        Assert.Throws<ArgumentOutOfRangeException>(() => tree.ProveInclusion(-1));
        Assert.Throws<ArgumentNullException>(() => TxMerkleTree.ForEntries(null!, 0));
        Assert.Equal(IntegrityFailure.MalformedProof, Rejects(() => TxMerkleTree.VerifyInclusion(new EntryInclusionProof(2, 2, []), Digest.Zero, tree.Root)).Failure);
        Assert.Equal(IntegrityFailure.MalformedProof, Rejects(() => TxMerkleTree.VerifyInclusion(new EntryInclusionProof(-1, 2, []), Digest.Zero, tree.Root)).Failure);
        Assert.Equal(IntegrityFailure.EntryInclusion, Rejects(() => TxMerkleTree.VerifyInclusion(new EntryInclusionProof(0, 2, []), Digest.Zero, tree.Root)).Failure);
        Assert.Throws<ArgumentNullException>(() => TxMerkleTree.VerifyInclusion(null!, Digest.Zero, tree.Root));
        Assert.Throws<ArgumentNullException>(() => new EntryInclusionProof(0, 1, null!));
        var header = new TxHeader(1, Digest.OfEmpty, 0, 0, null, 2, tree.Root, 0, Digest.Zero);
        TxMerkleTree.VerifyInclusion(tree.ProveInclusion(1), Digest.OfEmpty, header);
        Assert.Throws<ArgumentNullException>(() => TxMerkleTree.VerifyInclusion(tree.ProveInclusion(1), Digest.OfEmpty, (TxHeader)null!));
    }

    [Fact]
    public void Integrity_exceptions_carry_their_failure_and_cause()
    {
        var cause = new InvalidOperationException("inner");
        var error = new IntegrityException(IntegrityFailure.DataMismatch, "outer", cause);
        Assert.Equal(IntegrityFailure.DataMismatch, error.Failure);
        Assert.Same(cause, error.InnerException);
        Assert.IsAssignableFrom<IOException>(error);
    }
}
