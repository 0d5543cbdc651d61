// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using Cairn.Verification.Encodings;
using static Cairn.Verification.Tests.Support;

namespace Cairn.Verification.Tests;

/// <summary>Every test vector of immudb-format.md §7, byte for byte.</summary>
public sealed class ImmudbVectorTests
{
    private const string Alh1 = "086f6a3984a82b263a28d212f03235dea30cc9573110d79a35778d445df73b1a";
    private const string Alh4 = "4bd3b1b40ce0540fd2bb4deb6f503da6f9d9acb375589fd3b771241ac6dd3926";
    private const string Alh5 = "10c003d9e498c68706d8fc513906e0dff47533699c0cfc370a568173eb18eac9";
    private const string Leaf1 = "6a5a384f8d48ce367a099877e522864ab09ee572fc8e0d1c6dd73238dbc5fc5c";
    private const string Leaf2 = "5ee9a8a068e20ad14a62f38af6d06140d5c09c5880593d262edc5dcd975f9f09";
    private const string Leaf3 = "dca62ddd248f7a0b6151b91a920e8d051484079e7fabd1f6a282788cb2c865ce";
    private const string Node34 = "bc74dd0df6a6ddbe6ff643b145db92628e090a701442d038d7948e3c9ca683f0";
    private const string Root2 = "8d5c2432d69e6a58cd0a1c3d96acef5e83dc9a23f32f8ac525f6aa499b691db4";

    [Fact]
    public void T1_hash_of_the_empty_string()
    {
        Assert.Equal("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", Digest.OfEmpty.ToString());
        Assert.Equal(Digest.OfEmpty, TxEntry.ForValue(Hex("01"), []).ValueHash);
    }

    [Theory]
    [InlineData("key1", "value1", "006b657931", "0076616c756531", "d7da3a95c85f6573d3e611bac5be34c478a4b7710e9eb0955ab99238f54ccb45", "91b6057a9072a58ab02d9a193a18ff2bf5bc92b9a6b897ecaf9f8223557b7e90")]
    [InlineData("key2", "value2", "006b657932", "0076616c756532", "d8f5264c105d12cefb9def85376747ffa96a50c85777b633697a8715473a2fd1", "4657a8186bc9e7fbf792c4f220e1ec9d1749944d04130b69e2f9d669b1659337")]
    [InlineData("key3", "value3", "006b657933", "0076616c756533", "79d34cafa6a4458e512ba7c836f295d1d633bf9599c32becf4f3c9fe4750352c", "4df83e6275857166ff6697b9811fd6065359049caa0a8f29c42baaecd16375a3")]
    public void T2_plain_entries(string key, string value, string storedKey, string storedValue, string hValue, string digest)
    {
        var k = KeyValueEncoding.StoredKey(Ascii(key));
        var v = KeyValueEncoding.PlainValue(Ascii(value));
        Assert.Equal(storedKey, ToHex(k));
        Assert.Equal(storedValue, ToHex(v));
        var entry = TxEntry.ForValue(k, v);
        Assert.Equal(hValue, entry.ValueHash.ToString());
        Assert.Equal(digest, entry.DigestFor(TxHeader.Version0).ToString());
        Assert.Equal(digest, EntryDigest.V0(k, D(hValue)).ToString());
    }

    [Fact]
    public void T3_entry_tree_roots_and_inclusion_proofs()
    {
        var d = new[] { "key1", "key2", "key3" }.Select((k, i) => PlainEntry(k, $"value{i + 1}").DigestFor(0)).ToArray();
        const string l0 = "08bafebdc4687721e5106326765150ca5eb92cb0339d0e06087b8109d6065101";
        const string l1 = "52c60bbf948df05aff8756f5e4a7d99c7d2fc3a602cd7cad38e1634a06bb66c8";
        const string l2 = "15738be920cc679769bbe9a195ccebd492ece8d90a062e1e400159a09b231c67";
        const string root2 = "a67c32a609b2949b7d981811c3b17134d5950d2fefa7f4a79c0741a832993d95";
        const string root3 = "5bb82cbaa0dcf5031b5f79070573edee44a72b8cc3d6764ea83fbed8034da699";
        Assert.Equal(l0, MerkleHash.Leaf(d[0]).ToString());
        Assert.Equal(l1, MerkleHash.Leaf(d[1]).ToString());
        Assert.Equal(l2, MerkleHash.Leaf(d[2]).ToString());
        Assert.Equal(l0, new TxMerkleTree(d.AsSpan(0, 1)).Root.ToString());
        Assert.Equal(root2, new TxMerkleTree(d.AsSpan(0, 2)).Root.ToString());
        var tree = new TxMerkleTree(d);
        Assert.Equal(root3, tree.Root.ToString());
        Assert.Equal(root3, TxMerkleTree.ComputeRoot(d).ToString());
        Assert.Equal(root2, TxMerkleTree.ComputeRoot(d.AsSpan(0, 2)).ToString());
        Assert.Equal(l0, TxMerkleTree.ComputeRoot(d.AsSpan(0, 1)).ToString());

        string[][] expected = [[l1, l2], [l0, l2], [root2]];
        for (int leaf = 0; leaf < 3; leaf++)
        {
            var proof = tree.ProveInclusion(leaf);
            Assert.Equal(leaf, proof.Leaf);
            Assert.Equal(3, proof.Width);
            Assert.Equal(expected[leaf], proof.Terms.Select(t => t.ToString()));
            TxMerkleTree.VerifyInclusion(proof, d[leaf], tree.Root);
        }
    }

    [Fact]
    public void T4_T5_T6_v0_ledger_headers_and_tree_roots()
    {
        var ledger = ImmudbLedger();
        var tx1 = ledger.GetHeader(1);
        Assert.Equal("08bafebdc4687721e5106326765150ca5eb92cb0339d0e06087b8109d6065101", tx1.EntriesHash.ToString());
        Assert.Equal("b10c657fa5b5af1e570159c9276dbf2b6c907574b24ba8bd1e387f1f892f7977", tx1.InnerHash().ToString());
        Assert.Equal(Alh1, tx1.Alh().ToString());
        Assert.Equal(Digest.OfEmpty, tx1.PrevAlh);
        Assert.Equal(Digest.Zero, tx1.BlRoot);

        var tx2 = ledger.GetHeader(2);
        Assert.Equal("935d97049359351cafb5a7c66a45adc8244d8c99c7c1573f1fef17a18a4b79e7", tx2.EntriesHash.ToString());
        Assert.Equal(Leaf1, tx2.BlRoot.ToString());
        Assert.Equal("275c6d36f3ef51fd72156dc28a5b79a02bffd5f6ab697cbd691bcc70de7ca05d", tx2.InnerHash().ToString());
        Assert.Equal("017aee6ed869e252b5f504891011337ecae03fb00a0e3174204632c01020b2dc", tx2.Alh().ToString());
        var key3Proof = TxMerkleTree.ForEntries(ledger.GetEntries(2), 0).ProveInclusion(1);
        Assert.Equal(["52c60bbf948df05aff8756f5e4a7d99c7d2fc3a602cd7cad38e1634a06bb66c8"], key3Proof.Terms.Select(t => t.ToString()));

        string[,] t6 =
        {
            { "d3530ae6a5bbfdd8c42bbdef9966a7f7e4e2165341b53206a39f72d13bf8eef7", Root2, "4f8b3638190de4f1253f778d10a113c931fc5fd466fb904399ebd95709392f8e", "8d7fa819d62de1c185b08585693a2ecebcb28fcea7efa8316c8ecf8fa55e10ee" },
            { "1c4360592c54751cf7e3be127b1a35e63a66925f7afd39837d4f647ad11c2546", "e18d42306cc8dcef6ef69b7008c3b5ffb7dcc72f38ed6f3075c8c964f974111d", "fb6b616709e3fd8f3eac0de9094904ef0218c63f73ee295940eab4367764bce8", Alh4 },
            { "86aea15140b68e4afb93cadc62f162c432aa3262341f6464b6240a6869355a6f", "ccd06624de02adfe75931992fbd7afea67f335301990ba9c150197be60c61d15", "a9a5d205085755b1744c7fdcfaa2f5a88f8e88ea538dc03029d85888acf29ae5", Alh5 },
        };
        for (int row = 0; row < 3; row++)
        {
            var header = ledger.GetHeader((ulong)row + 3);
            Assert.Equal(t6[row, 0], header.EntriesHash.ToString());
            Assert.Equal(t6[row, 1], header.BlRoot.ToString());
            Assert.Equal(t6[row, 2], header.InnerHash().ToString());
            Assert.Equal(t6[row, 3], header.Alh().ToString());
        }

        string[] roots = [Leaf1, Root2, "e18d42306cc8dcef6ef69b7008c3b5ffb7dcc72f38ed6f3075c8c964f974111d", "ccd06624de02adfe75931992fbd7afea67f335301990ba9c150197be60c61d15", "ea691818923bbafc0b0c390c58088432a39c6d565fbfa2b650b51b33b41070a3"];
        for (int n = 1; n <= 5; n++)
        {
            Assert.Equal(roots[n - 1], ledger.Tree.RootAt((ulong)n).ToString());
        }

        Assert.Equal(roots[4], ledger.Tree.Root.ToString());
        Assert.Equal(Leaf1, ledger.Tree.LeafHash(1).ToString());
        Assert.Equal(Leaf2, ledger.Tree.LeafHash(2).ToString());
        Assert.Equal(Leaf3, ledger.Tree.LeafHash(3).ToString());
        Assert.Equal(Node34, MerkleHash.Node(ledger.Tree.LeafHash(3), ledger.Tree.LeafHash(4)).ToString());
    }

    [Fact]
    public void T4_an_omitted_zero_blRoot_changes_the_alh()
    {
        // What immudb-node computes when a server sends an empty blRoot instead of 32 zero bytes: a different Alh.
        var tx1 = ImmudbLedger().GetHeader(1);
        var inner = Digest.Compute([.. Hex("000000005f5e1000"), .. Hex("00000001"), .. tx1.EntriesHash.ToArray(), .. Hex("0000000000000000")]);
        var wrong = TxHeader.ChainAlh(1, Digest.OfEmpty, inner);
        Assert.Equal("1444ddcc2ff892b46647c321d85b71b17f12d555fa05e152eaf2e86f9f028d4d", wrong.ToString());
        Assert.NotEqual(tx1.Alh(), wrong);
    }

    [Fact]
    public void T7_reference_and_sorted_set_encodings()
    {
        var refKey = KeyValueEncoding.StoredKey(Ascii("ref1"));
        var refValue = KeyValueEncoding.ReferenceValue(0, Ascii("key1"));
        Assert.Equal("0072656631", ToHex(refKey));
        Assert.Equal("010000000000000000006b657931", ToHex(refValue));
        Assert.Equal("cd4e4e205fedba49e6b789e8124909971dd555eb0177f19c8b3e9dc580ae9163", TxEntry.ForValue(refKey, refValue).DigestFor(0).ToString());
        Assert.Equal("010000000000000005006b657931", ToHex(KeyValueEncoding.ReferenceValue(5, Ascii("key1"))));

        var zKey = SortedSetEncoding.StoredKey(Ascii("set1"), 1.5, Ascii("key1"), 0);
        Assert.Equal("01000000000000000473657431" + "3ff8000000000000" + "0000000000000005006b657931" + "0000000000000000", ToHex(zKey));
        Assert.Equal("a6dc29c319cba159a6185359349e4e881b28347e144bcf6c1b3d8a875cceed6b", TxEntry.ForValue(zKey, []).DigestFor(0).ToString());
        Assert.Equal(
            "01000000000000000473657431" + "c000000000000000" + "0000000000000005006b657931" + "0000000000000007",
            ToHex(SortedSetEncoding.StoredKey(Ascii("set1"), -2, Ascii("key1"), 7)));
    }

    [Fact]
    public void T8_state_signing_payload()
    {
        var state = new ImmutableState("defaultdb", 2, D("017aee6ed869e252b5f504891011337ecae03fb00a0e3174204632c01020b2dc"));
        var bytes = state.SigningBytes();
        Assert.Equal("00000009" + "64656661756c746462" + "0000000000000002" + "017aee6ed869e252b5f504891011337ecae03fb00a0e3174204632c01020b2dc", ToHex(bytes));
        Assert.Equal("20444f215df81f2ae50d4b02bde85988fe60d5f0dc04f9c9b437a7f4830ba721", Digest.Compute(bytes).ToString());
    }

    [Fact]
    public void T9_dual_proof_from_tx2_to_tx5()
    {
        var ledger = ImmudbLedger();
        var proof = ProofBuilder.Dual(ledger, ledger.Tree, 2, 5);
        Assert.Equal(ledger.GetHeader(2), proof.SourceTxHeader);
        Assert.Equal(ledger.GetHeader(5), proof.TargetTxHeader);
        Assert.Equal([Leaf1, Node34], proof.InclusionProof.Select(t => t.ToString()));
        Assert.Equal([Leaf1, Leaf2, Node34], proof.ConsistencyProof.Select(t => t.ToString()));
        Assert.Equal(Alh4, proof.TargetBlTxAlh.ToString());
        Assert.Equal([Leaf3, Root2], proof.LastInclusionProof.Select(t => t.ToString()));
        Assert.Equal(4UL, proof.LinearProof.SourceTxId);
        Assert.Equal(5UL, proof.LinearProof.TargetTxId);
        Assert.Equal([Alh4, "a9a5d205085755b1744c7fdcfaa2f5a88f8e88ea538dc03029d85888acf29ae5"], proof.LinearProof.Terms.Select(t => t.ToString()));
        Assert.Null(proof.LinearAdvanceProof);
        DualProof.Verify(proof, 2, 5, ledger.GetHeader(2).Alh(), D(Alh5));
    }

    [Fact]
    public void T10_self_dual_proof_of_tx5()
    {
        var ledger = ImmudbLedger();
        var proof = ProofBuilder.Dual(ledger, ledger.Tree, 5, 5);
        Assert.Empty(proof.InclusionProof);
        Assert.Equal([Node34, Root2], proof.ConsistencyProof.Select(t => t.ToString()));
        Assert.Equal(Alh4, proof.TargetBlTxAlh.ToString());
        Assert.Equal([Leaf3, Root2], proof.LastInclusionProof.Select(t => t.ToString()));
        Assert.Equal([Alh5], proof.LinearProof.Terms.Select(t => t.ToString()));
        Assert.Equal(5UL, proof.LinearProof.SourceTxId);
        DualProof.Verify(proof, 5, 5, D(Alh5), D(Alh5));
    }

    [Fact]
    public void T11_version_1_headers()
    {
        var entry = PlainEntry("key1", "value1");
        Assert.Equal("00eb1b3b3a9fc14cb200eb0750febd87aa1b24c09a4e197ec456caad53c2188a", entry.DigestFor(TxHeader.Version1).ToString());
        Assert.Equal("00eb1b3b3a9fc14cb200eb0750febd87aa1b24c09a4e197ec456caad53c2188a", EntryDigest.V1(null, entry.Key.Span, entry.ValueHash).ToString());

        var ledger = new TestLedger();
        var tx1 = ledger.Commit([entry], 1_600_000_000, TxHeader.Version1);
        Assert.Equal("66bbd55905dbc8359487356c154e12ca84a1034d01ed36f70aa6268cab95b46d", tx1.EntriesHash.ToString());
        Assert.Equal("aa9cd1163e8fa5b7256fc1cc79c14786f7fde04db8a7ad1ad436dd5602654005", tx1.InnerHash().ToString());
        Assert.Equal("645fdf406a2dfed0d8e308569dee71adad8764b30e506529ca181a89db75f1b6", tx1.Alh().ToString());
        var tx2 = ledger.Commit([PlainEntry("key2", "value2"), PlainEntry("key3", "value3")], 1_600_000_001, TxHeader.Version1);
        Assert.Equal("4bbd495143c6ecfd2c0d1ad6685373299a2121ce96174a5ae4148cc22959d763", tx2.EntriesHash.ToString());
        Assert.Equal("0915a0903d7aeb21666eec92ba9bad6d90b55ac7529f76821b97bb3340b930a2", tx2.BlRoot.ToString());
        Assert.Equal("5671e06b6801d5a2833018382bda240a08f72feb5313eef2196e973a6efd25af", tx2.InnerHash().ToString());
        Assert.Equal("870a0af56294d61a319eb0966a9706ce0bb94ddf53b8c830a13b33e1dbaeb810", tx2.Alh().ToString());
    }

    [Fact]
    public void T12_metadata_encodings()
    {
        var kvMetadata = new KvMetadata { Deleted = true, ExpiresAt = 1_700_000_000, NonIndexable = true };
        Assert.Equal("00" + "01000000006553f100" + "02", ToHex(kvMetadata.ToBytes()));
        Assert.Equal(kvMetadata, KvMetadata.Parse(kvMetadata.ToBytes()));
        var entry = PlainEntry("key1", "value1", kvMetadata);
        Assert.Equal("a5a685bc6223df996da860de567dccadc9fda4aad3d910a51347dfaae47c9049", entry.DigestFor(TxHeader.Version1).ToString());

        var txMetadata = new TxMetadata(5, Ascii("abc"));
        Assert.Equal("00" + "0000000000000005" + "01" + "0003" + "616263", ToHex(txMetadata.ToBytes()));
        var header = new TxHeader(3, Digest.OfEmpty, 1_600_000_002, TxHeader.Version1, txMetadata, 1, D("00eb1b3b3a9fc14cb200eb0750febd87aa1b24c09a4e197ec456caad53c2188a"), 2, Digest.Zero);
        Assert.Equal("2f6f86366d06229ea2a69b983a67f45594703065ddc6bca9531d867db4dcdabf", header.InnerHash().ToString());
    }

    /// <summary>The ledger of T4–T6: five v0 txs, blTxId = id − 1.</summary>
    internal static TestLedger ImmudbLedger()
    {
        var ledger = new TestLedger();
        ledger.Commit([PlainEntry("key1", "value1")], 1_600_000_000);
        ledger.Commit([PlainEntry("key2", "value2"), PlainEntry("key3", "value3")], 1_600_000_001);
        ledger.Commit([PlainEntry("key4", "value4")], 1_600_000_002);
        ledger.Commit([PlainEntry("key5", "value5")], 1_600_000_003);
        ledger.Commit([PlainEntry("key6", "value6")], 1_600_000_004);
        return ledger;
    }
}
