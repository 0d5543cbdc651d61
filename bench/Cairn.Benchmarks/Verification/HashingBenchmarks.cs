// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Cairn.Verification;
using Cairn.Verification.Encodings;

namespace Cairn.Benchmarks.Verification;

/// <summary>
/// Entry digests and per-transaction trees, against the baseline of one SHA-256 over 65 bytes (a Merkle node),
/// so the Ratio column reads as "cost in node hashes". Shapes follow ../shared/bench: 16-byte keys, 100-byte values.
/// </summary>
public class HashingBenchmarks
{
    private readonly byte[] _node = new byte[65];
    private readonly byte[] _storedKey = KeyValueEncoding.StoredKey(new byte[16]);
    private readonly byte[] _storedValue = KeyValueEncoding.PlainValue(new byte[100]);
    private readonly KvMetadata _metadata = new() { ExpiresAt = 1_700_000_000 };
    private Digest _valueHash;
    private Digest[] _digests1000 = [];
    private TxMerkleTree _tree1000 = null!;
    private EntryInclusionProof _proof = null!;

    [GlobalSetup]
    public void Setup()
    {
        _valueHash = Digest.Compute(_storedValue);
        _digests1000 = Enumerable.Range(0, 1000).Select(i => Digest.Compute(BitConverter.GetBytes(i))).ToArray();
        _tree1000 = new TxMerkleTree(_digests1000);
        _proof = _tree1000.ProveInclusion(617);
    }

    [Benchmark(Baseline = true, Description = "SHA-256 of 65 B (baseline)")]
    public byte[] Sha256Node() => SHA256.HashData(_node);

    [Benchmark(Description = "value hash, 101 B stored value")]
    public Digest ValueHash() => Digest.Compute(_storedValue);

    [Benchmark(Description = "entry digest v0, 17 B stored key")]
    public Digest EntryDigestV0() => EntryDigest.V0(_storedKey, _valueHash);

    [Benchmark(Description = "entry digest v1 with metadata, 17 B stored key")]
    public Digest EntryDigestV1() => EntryDigest.V1(_metadata, _storedKey, _valueHash);

    [Benchmark(Description = "tx tree root, 1 entry")]
    public Digest TxRoot1() => TxMerkleTree.ComputeRoot(_digests1000.AsSpan(0, 1));

    [Benchmark(Description = "tx tree root, 1000 entries")]
    public Digest TxRoot1000() => TxMerkleTree.ComputeRoot(_digests1000);

    [Benchmark(Description = "tx entry inclusion proof, build (1000 entries)")]
    public EntryInclusionProof TxInclusionBuild() => _tree1000.ProveInclusion(617);

    [Benchmark(Description = "tx entry inclusion proof, verify (1000 entries)")]
    public void TxInclusionVerify() => TxMerkleTree.VerifyInclusion(_proof, _digests1000[617], _tree1000.Root);
}
