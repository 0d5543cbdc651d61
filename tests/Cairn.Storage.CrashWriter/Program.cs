// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Globalization;
using System.Text;
using Cairn.Storage;
using Cairn.Storage.CrashWriter;

// Usage: CrashWriter FOLDER RUN THREADS
// Writes until killed. After each commit returns (the tx is durable) it prints "ACK <txid> <key>[,<key>…]".
// Values are derived from keys (CrashWorkload.ValueOf) so the test can check exact contents after a crash.
if (args.Length != 3)
{
    Console.Error.WriteLine("usage: CrashWriter FOLDER RUN THREADS");
    return 2;
}

string folder = args[0];
string run = args[1];
int threads = int.Parse(args[2], CultureInfo.InvariantCulture);
using var db = Database.Open(folder, new DatabaseOptions { SegmentSize = 256 << 10 });
var output = new StreamWriter(Console.OpenStandardOutput(), Encoding.ASCII) { AutoFlush = true };
var outputLock = new Lock();
lock (outputLock)
{
    output.WriteLine($"READY {db.LastTxId}");
}

var writers = Enumerable.Range(0, threads).Select(t => Task.Run(async () =>
{
    for (int i = 0; ; i++)
    {
        int width = 1 + (i % 3);
        // Every tx also writes the one key all runs share, so its revision counts the txs that wrote it: the test
        // checks that index replay after a crash neither loses nor repeats a version.
        var keys = Enumerable.Range(0, width).Select(k => $"{run}.w{t}.{i}.{k}").Append(CrashWorkload.SharedKey).ToArray();
        var header = await db.SetAsync([.. keys.Select(k => new KeyValue(Encoding.ASCII.GetBytes(k), CrashWorkload.ValueOf(k)))], noWait: i % 2 == 0);
        lock (outputLock)
        {
            output.WriteLine($"ACK {header.Id} {string.Join(',', keys)}");
        }
    }
})).ToArray();
await Task.WhenAll(writers);
return 0;
