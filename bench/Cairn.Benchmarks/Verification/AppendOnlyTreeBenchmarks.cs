// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Cairn.Verification;

namespace Cairn.Benchmarks.Verification;

/// <summary>
/// The tree over all transactions at 10^3, 10^6 and 10^7 leaves (memory-backed store): append, root, and the
/// inclusion and consistency proofs a server builds and a client verifies. Baseline: one SHA-256 over 65 bytes.
/// </summary>
public class AppendOnlyTreeBenchmarks
{
    private const int Samples = 4096;

    private readonly byte[] _node = new byte[65];
    private AppendOnlyTree _tree = null!;
    private (ulong I, ulong J)[] _pairs = [];
    private Digest[][] _inclusionProofs = [];
    private Digest[][] _consistencyProofs = [];
    private Digest[] _leaves = [];
    private Digest[] _iRoots = [];
    private Digest[] _jRoots = [];
    private int _next;
    private readonly Digest _alh = Digest.Compute([1, 2, 3]);

    [Params(1_000, 1_000_000, 10_000_000)]
    public int Leaves { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _tree = new AppendOnlyTree(new MemoryTreeNodeStore());
        Span<byte> seed = stackalloc byte[8];
        for (int n = 1; n <= Leaves; n++)
        {
            BitConverter.TryWriteBytes(seed, n);
            _tree.Append(Digest.Compute(seed));
        }

        var random = new Random(42);
        _pairs = new (ulong, ulong)[Samples];
        _inclusionProofs = new Digest[Samples][];
        _consistencyProofs = new Digest[Samples][];
        _leaves = new Digest[Samples];
        _iRoots = new Digest[Samples];
        _jRoots = new Digest[Samples];
        for (int s = 0; s < Samples; s++)
        {
            ulong j = (ulong)random.NextInt64(1, Leaves + 1);
            ulong i = (ulong)random.NextInt64(1, (long)j + 1);
            _pairs[s] = (i, j);
            _inclusionProofs[s] = _tree.InclusionProof(i, j);
            _consistencyProofs[s] = _tree.ConsistencyProof(i, j);
            _leaves[s] = _tree.LeafHash(i);
            _iRoots[s] = _tree.RootAt(i);
            _jRoots[s] = _tree.RootAt(j);
        }
    }

    [Benchmark(Baseline = true, Description = "SHA-256 of 65 B (baseline)")]
    public byte[] Sha256Node() => SHA256.HashData(_node);

    [Benchmark(Description = "append one Alh")]
    public ulong Append() => _tree.Append(_alh);

    [Benchmark(Description = "root at a random size")]
    public Digest RootAt() => _tree.RootAt(Next().J);

    [Benchmark(Description = "inclusion proof, build")]
    public Digest[] InclusionBuild()
    {
        var (i, j) = Next();
        return _tree.InclusionProof(i, j);
    }

    [Benchmark(Description = "inclusion proof, verify")]
    public void InclusionVerify()
    {
        int s = NextIndex();
        AppendOnlyTree.VerifyInclusion(_inclusionProofs[s], _pairs[s].I, _pairs[s].J, _leaves[s], _jRoots[s]);
    }

    [Benchmark(Description = "consistency proof, build")]
    public Digest[] ConsistencyBuild()
    {
        var (i, j) = Next();
        return _tree.ConsistencyProof(i, j);
    }

    [Benchmark(Description = "consistency proof, verify")]
    public void ConsistencyVerify()
    {
        int s = NextIndex();
        AppendOnlyTree.VerifyConsistency(_consistencyProofs[s], _pairs[s].I, _pairs[s].J, _iRoots[s], _jRoots[s]);
    }

    private (ulong I, ulong J) Next() => _pairs[NextIndex()];

    private int NextIndex() => _next = (_next + 1) & (Samples - 1);
}
