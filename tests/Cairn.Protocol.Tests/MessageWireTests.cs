// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using Cairn.Protocol.Immudb;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using static Cairn.Protocol.Tests.Wire;

namespace Cairn.Protocol.Tests;

/// <summary>
/// Pins the bytes that immudb clients of every generation decode. Expected values are written by hand
/// from the field numbers in immudb's proto, not produced by the code under test.
/// </summary>
public sealed class MessageWireTests
{
    private const long Ts = 1_700_000_000; // varint 80 e2 cf aa 06

    private static TxHeader VersionZeroHeader() => new()
    {
        Id = 1,
        PrevAlh = Bytes(0, 32),
        Ts = Ts,
        Nentries = 1,
        EH = Bytes(0x11, 32),
        BlTxId = 0,
        BlRoot = Bytes(0, 32),
    };

    [Fact]
    public void Version_zero_tx_header_has_fields_1_to_7_only_and_keeps_zero_hashes()
    {
        // blTxId = 0 is the proto3 default and is not sent; prevAlh and blRoot are 32 zero bytes,
        // which is a non-empty bytes value and must be on the wire (clients hash it into Alh).
        Encodes(
            "08 01" +
            "12 20" + Repeat("00", 32) +
            "18 80 e2 cf aa 06" +
            "20 01" +
            "2a 20" + Repeat("11", 32) +
            "3a 20" + Repeat("00", 32),
            VersionZeroHeader());
    }

    [Fact]
    public void Version_one_tx_header_adds_field_8_and_metadata_only_when_set()
    {
        var header = VersionZeroHeader();
        header.Version = 1;
        var prefix = "08 01 12 20" + Repeat("00", 32) + "18 80 e2 cf aa 06 20 01 2a 20" + Repeat("11", 32) + "3a 20" + Repeat("00", 32);
        Encodes(prefix + "40 01", header);

        // A present but empty TxMetadata is still emitted (message fields have presence): the server
        // must leave metadata null on headers that have none.
        header.Metadata = new TxMetadata();
        Encodes(prefix + "40 01 4a 00", header);

        header.Metadata = new TxMetadata { TruncatedTxID = 300, Extra = Ascii("x") };
        Encodes(prefix + "40 01 4a 06 08 ac 02 12 01 78", header);
    }

    [Fact]
    public void Tx_entry_puts_vlen_in_field_3_and_sends_no_field_4_without_metadata()
    {
        var entry = new TxEntry { Key = Ascii("\0k"), HValue = Bytes(0x22, 32), VLen = 5 };
        Encodes("0a 02 00 6b 12 20" + Repeat("22", 32) + "18 05", entry);

        entry.Metadata = new KVMetadata { Deleted = true };
        Encodes("0a 02 00 6b 12 20" + Repeat("22", 32) + "18 05 22 02 08 01", entry);

        entry.Value = Ascii("hello");
        Encodes("0a 02 00 6b 12 20" + Repeat("22", 32) + "18 05 22 02 08 01 2a 05 68 65 6c 6c 6f", entry);
    }

    [Fact]
    public void Immudb_1_1_tx_entry_with_vlen_in_field_4_is_not_read_as_metadata()
    {
        // immudb 1.1.0 declared vLen = 4 (varint). The 1.2+ schema has a message at 4, so the varint
        // lands in the unknown fields and re-encodes unchanged.
        var bytes = Hex("0a 01 6b 12 20" + Repeat("33", 32) + "20 05");
        var entry = TxEntry.Parser.ParseFrom(bytes);
        Assert.Null(entry.Metadata);
        Assert.Equal(0, entry.VLen);
        Assert.Equal(Convert.ToHexString(bytes), Convert.ToHexString(entry.ToByteArray()));
    }

    [Fact]
    public void Tx_carries_header_raw_entries_and_parsed_entries_in_fields_1_to_4()
    {
        var tx = new Tx
        {
            Header = new TxHeader { Id = 2 },
            Entries = { new TxEntry { VLen = 1 } },
            KvEntries = { new Entry { Tx = 2 } },
            ZEntries = { new ZEntry { Score = 1.0 } },
        };
        Encodes("0a 02 08 02  12 02 18 01  1a 02 08 02  22 09 21 00 00 00 00 00 00 f0 3f", tx);
    }

    [Fact]
    public void Entry_and_reference_carry_metadata_expired_and_revision()
    {
        var entry = new Entry
        {
            Tx = 3,
            Key = Ascii("k"),
            Value = Ascii("v"),
            ReferencedBy = new Reference { Tx = 4, Key = Ascii("r"), AtTx = 3, Metadata = new KVMetadata(), Revision = 2 },
            Metadata = new KVMetadata { Expiration = new Expiration { ExpiresAt = 300 } },
            Expired = true,
            Revision = 7,
        };
        Encodes(
            "08 03 12 01 6b 1a 01 76" +
            "22 0b 08 04 12 01 72 18 03 22 00 28 02" +
            "2a 05 12 03 08 ac 02" +
            "30 01 38 07",
            entry);
    }

    [Fact]
    public void Dual_proof_sends_the_linear_advance_proof_in_field_8()
    {
        var proof = new DualProof
        {
            SourceTxHeader = new TxHeader { Id = 1 },
            TargetTxHeader = new TxHeader { Id = 2 },
            InclusionProof = { Bytes(0xaa, 1) },
            ConsistencyProof = { Bytes(0xbb, 1) },
            TargetBlTxAlh = Bytes(0xcc, 1),
            LastInclusionProof = { Bytes(0xdd, 1) },
            LinearProof = new LinearProof { SourceTxId = 1, TargetTxId = 2, Terms = { Bytes(0xee, 1) } },
            LinearAdvanceProof = new LinearAdvanceProof
            {
                LinearProofTerms = { Bytes(0xff, 1) },
                InclusionProofs = { new InclusionProof { Leaf = 1, Width = 2 } },
            },
        };
        Encodes(
            "0a 02 08 01 12 02 08 02 1a 01 aa 22 01 bb 2a 01 cc 32 01 dd" +
            "3a 07 08 01 10 02 1a 01 ee" +
            "42 09 0a 01 ff 12 04 08 01 10 02",
            proof);
    }

    [Fact]
    public void Immutable_state_has_precommitted_fields_after_the_signature()
    {
        var state = new ImmutableState
        {
            Db = "d",
            TxId = 9,
            TxHash = Bytes(1, 1),
            Signature = new Signature { PublicKey = Bytes(2, 1), Signature_ = Bytes(3, 1) },
            PrecommittedTxId = 10,
            PrecommittedTxHash = Bytes(4, 1),
        };
        Encodes("0a 01 64 10 09 1a 01 01 22 06 0a 01 02 12 01 03 28 0a 32 01 04", state);
    }

    [Fact]
    public void Key_request_has_no_wait_and_a_signed_at_revision()
    {
        var request = new KeyRequest { Key = Ascii("k"), AtTx = 1, SinceTx = 2, NoWait = true, AtRevision = -1 };
        Encodes("0a 01 6b 10 01 18 02 20 01 28 ff ff ff ff ff ff ff ff ff 01", request);
    }

    [Fact]
    public void Scan_requests_number_their_later_fields_as_immudb_does()
    {
        var scan = new ScanRequest
        {
            SeekKey = Ascii("a"),
            EndKey = Ascii("z"),
            Prefix = Ascii("p"),
            Desc = true,
            Limit = 10,
            SinceTx = 1,
            NoWait = true,
            InclusiveSeek = true,
            InclusiveEnd = true,
            Offset = 5,
        };
        Encodes("0a 01 61 12 01 70 18 01 20 0a 28 01 30 01 3a 01 7a 40 01 48 01 50 05", scan);

        var zscan = new ZScanRequest { Set = Ascii("s"), MinScore = new Score { Score_ = 0 }, NoWait = true, Offset = 3 };
        Encodes("0a 01 73 42 00 58 01 60 03", zscan);
    }

    [Fact]
    public void Preconditions_ride_on_set_reference_and_exec_all_requests()
    {
        var mustNotExist = new Precondition { KeyMustNotExist = new Precondition.Types.KeyMustNotExistPrecondition { Key = Ascii("k") } };
        var notModified = new Precondition
        {
            KeyNotModifiedAfterTX = new Precondition.Types.KeyNotModifiedAfterTXPrecondition { Key = Ascii("k"), TxID = 4 },
        };

        var set = new SetRequest { KVs = { new KeyValue { Key = Ascii("k"), Value = Ascii("v") } }, Preconditions = { mustNotExist } };
        Encodes("0a 06 0a 01 6b 12 01 76 1a 05 12 03 0a 01 6b", set);

        var reference = new ReferenceRequest { Key = Ascii("r"), ReferencedKey = Ascii("k"), Preconditions = { notModified } };
        Encodes("0a 01 72 12 01 6b 32 07 1a 05 0a 01 6b 10 04", reference);

        var execAll = new ExecAllRequest
        {
            Operations = { new Op { ZAdd = new ZAddRequest { Set = Ascii("s"), Key = Ascii("k") } } },
            NoWait = true,
            Preconditions = { new Precondition { KeyMustExist = new Precondition.Types.KeyMustExistPrecondition { Key = Ascii("k") } } },
        };
        Encodes("0a 08 12 06 0a 01 73 1a 01 6b 10 01 1a 05 0a 03 0a 01 6b", execAll);
    }

    [Fact]
    public void Tx_requests_carry_entries_spec_and_reference_resolution_flags()
    {
        var spec = new EntriesSpec { KvEntriesSpec = new EntryTypeSpec { Action = EntryTypeAction.Resolve } };

        Encodes("08 07 12 04 0a 02 08 03 18 06 20 01 28 01",
            new TxRequest { Tx = 7, EntriesSpec = spec, SinceTx = 6, NoWait = true, KeepReferencesUnresolved = true });
        Encodes("08 07 10 05 1a 04 0a 02 08 03 20 06 28 01 30 01",
            new VerifiableTxRequest { Tx = 7, ProveSinceTx = 5, EntriesSpec = spec, SinceTx = 6, NoWait = true, KeepReferencesUnresolved = true });
        Encodes("08 01 10 0a 18 01 22 04 0a 02 08 03 28 06 30 01",
            new TxScanRequest { InitialTx = 1, Limit = 10, Desc = true, EntriesSpec = spec, SinceTx = 6, NoWait = true });
    }

    [Fact]
    public void Sessions_and_login_use_bytes_for_credentials()
    {
        Encodes("0a 01 75 12 01 70 1a 01 64",
            new OpenSessionRequest { Username = Ascii("u"), Password = Ascii("p"), DatabaseName = "d" });
        Encodes("0a 01 73 12 01 75", new OpenSessionResponse { SessionID = "s", ServerUUID = "u" });
        Encodes("0a 01 75 12 01 70", new LoginRequest { User = Ascii("u"), Password = Ascii("p") });
        Encodes("0a 01 74 12 01 77", new LoginResponse { Token = "t", Warning = Ascii("w") });
    }

    [Fact]
    public void Sql_null_is_an_explicit_oneof_member_and_timestamps_are_int64()
    {
        // NullValue is 0, yet a set oneof member is always written.
        Encodes("08 00", new SQLValue { Null = NullValue.NullValue });
        Encodes("10 00", new SQLValue { N = 0 });
        Encodes("30 ac 02", new SQLValue { Ts = 300 });
        Encodes("39 00 00 00 00 00 00 f0 3f", new SQLValue { F = 1.0 });
        Encodes("", new SQLValue());
    }

    [Fact]
    public void Sql_messages_have_accept_stream_and_the_1_2_exec_result_shape()
    {
        var request = new SQLQueryRequest
        {
            Sql = "q",
            Params = { new NamedParam { Name = "p", Value = new SQLValue { B = true } } },
            AcceptStream = true,
        };
        Encodes("0a 01 71 12 07 0a 01 70 12 02 20 01 20 01", request);

        var result = new SQLExecResult
        {
            Txs =
            {
                new CommittedSQLTx
                {
                    Header = new TxHeader { Id = 1 },
                    UpdatedRows = 2,
                    LastInsertedPKs = { ["t"] = new SQLValue { N = 3 } },
                },
            },
            OngoingTx = true,
        };
        Encodes("2a 0f 0a 02 08 01 10 02 1a 07 0a 01 74 12 02 10 03 30 01", result);

        // Rows are field 1 and columns field 2, the reverse of the order immudb declares them in.
        var query = new SQLQueryResult
        {
            Columns = { new Column { Name = "c", Type = "INTEGER" } },
            Rows = { new Row { Columns = { "c" }, Values = { new SQLValue { N = 1 } } } },
        };
        Encodes("0a 07 0a 01 63 12 02 10 01 12 0c 0a 01 63 12 07 49 4e 54 45 47 45 52", query);
    }
}
