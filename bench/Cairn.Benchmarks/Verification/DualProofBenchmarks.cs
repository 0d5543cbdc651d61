// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Cairn.Verification;

namespace Cairn.Benchmarks.Verification;

/// <summary>
/// What a verified read costs the server (build a dual proof) and the client (verify it, and a state signature),
/// over a ledger of 10^6 single-entry transactions linked as Cairn links them (blTxId = id − 1).
/// </summary>
public class DualProofBenchmarks : ITxHeaderSource
{
    private const int Transactions = 1_000_000;
    private readonly List<TxHeader> _headers = new(Transactions);
    private readonly byte[] _node = new byte[65];
    private AppendOnlyTree _tree = null!;
    private DualProof _proof = null!;
    private Digest _sourceAlh;
    private Digest _targetAlh;
    private StateSigner _signer = null!;
    private ImmutableState _signed = null!;

    public TxHeader GetHeader(ulong txId) => _headers[(int)txId - 1];

    [GlobalSetup]
    public void Setup()
    {
        _tree = new AppendOnlyTree(new MemoryTreeNodeStore());
        var prev = Digest.OfEmpty;
        for (ulong id = 1; id <= Transactions; id++)
        {
            var eH = MerkleHash.Leaf(Digest.Compute(BitConverter.GetBytes(id)));
            var header = new TxHeader(id, prev, 1_600_000_000, TxHeader.Version0, null, 1, eH, id - 1, _tree.Root);
            _headers.Add(header);
            prev = header.Alh();
            _tree.Append(prev);
        }

        _proof = ProofBuilder.Dual(this, _tree, 123_457, Transactions);
        _sourceAlh = GetHeader(123_457).Alh();
        _targetAlh = GetHeader(Transactions).Alh();
        _signer = StateSigner.Generate();
        _signed = _signer.Sign(new ImmutableState("defaultdb", Transactions, _targetAlh));
    }

    [GlobalCleanup]
    public void Cleanup() => _signer.Dispose();

    [Benchmark(Baseline = true, Description = "SHA-256 of 65 B (baseline)")]
    public byte[] Sha256Node() => SHA256.HashData(_node);

    [Benchmark(Description = "dual proof, build (10^6 txs)")]
    public DualProof DualBuild() => ProofBuilder.Dual(this, _tree, 123_457, Transactions);

    [Benchmark(Description = "dual proof, verify (10^6 txs)")]
    public void DualVerify() => DualProof.Verify(_proof, 123_457, Transactions, _sourceAlh, _targetAlh);

    [Benchmark(Description = "state signature, verify")]
    public void SignatureVerify() => StatePublicKey.Verify(_signed, _signer.PublicKey);
}
