// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.
//
// Runs immudb's Node SDK (immudb-node 1.1.1, pinned in package.json) against a running server and checks
// that every call works and every verification passes. Settings come from the environment:
//   CAIRN_HOST (default 127.0.0.1), CAIRN_PORT (required), CAIRN_USER (default immudb), CAIRN_PASSWORD (required).
// Prints one line per check, `ok <name>` or `FAIL <name>: <reason>`, and exits non-zero if any check failed.
//
// The SDK does not always reject on a failed verification: some paths only log (for example the eH
// comparison in verifiedSet, "verifiedSet error"), and after a reject() it goes on and overwrites its
// trusted state. So a check fails on any of: a thrown error, a rejected promise, a promise that never
// settles, an uncaught exception, or anything the SDK writes with console.error/console.warn, or any
// console output at all that mentions a failed verification.

import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import util from 'node:util';

const host = process.env.CAIRN_HOST || '127.0.0.1';
const port = process.env.CAIRN_PORT;
const user = process.env.CAIRN_USER || 'immudb';
const password = process.env.CAIRN_PASSWORD;
if (!port || !password) {
    process.stderr.write('sdk-check: CAIRN_PORT and CAIRN_PASSWORD must be set\n');
    process.exit(2);
}

const CHECK_TIMEOUT_MS = 30_000;

// ---- failure detection -------------------------------------------------------------------------------

const out = (line) => process.stdout.write(line + '\n');

let current = null;          // { name, problems: [] } while a check runs
const stray = [];            // problems seen outside any check
const results = [];          // { name, ok, reason }

function problem(text) {
    (current ? current.problems : stray).push(text);
}

function looksLikeFailedVerification(text) {
    const t = text.toLowerCase();
    return t.includes('verif') && t.includes('fail');
}

for (const level of ['log', 'info', 'debug', 'warn', 'error']) {
    console[level] = (...args) => {
        const text = util.format(...args);
        process.stderr.write(`  sdk ${level}: ${text.replace(/\n/g, '\n    ')}\n`);
        if (level === 'error' || level === 'warn') {
            problem(`SDK logged (${level}): ${firstLine(text)}`);
        } else if (looksLikeFailedVerification(text)) {
            problem(`SDK logged: ${firstLine(text)}`);
        }
    };
}

function firstLine(text) {
    const line = String(text).split('\n')[0];
    return line.length > 300 ? line.slice(0, 300) + '…' : line;
}

// The SDK installs an uncaughtException listener (to save its state) that also keeps the process alive, so
// an exception thrown inside a gRPC callback (a reply it cannot decode, say) would otherwise vanish.
process.on('uncaughtException', (e) => problem(`uncaught exception: ${describe(e)}`));
process.on('unhandledRejection', (e) => problem(`unhandled rejection: ${describe(e)}`));

// The SDK's getInstance() calls process.exit(0) when its initialisation fails: that must not look like success.
const realExit = process.exit.bind(process);
let finishing = false;
process.exit = (code) => {
    if (!finishing) {
        out(`FAIL sdk: the SDK called process.exit(${code ?? ''}) in the middle of the checks`);
        for (const p of [...(current?.problems ?? []), ...stray]) {
            out(`  ${p}`);
        }
        realExit(1);
    }
    realExit(code);
};

function describe(e) {
    if (e === undefined) {
        return 'rejected without a reason (the SDK rejects so when a verification fails)';
    }
    if (e === null) {
        return 'rejected with null (the SDK rejects so when a verification fails)';
    }
    if (e instanceof Error) {
        return e.code !== undefined ? `${e.message} (grpc code ${e.code})` : e.message;
    }
    return typeof e === 'string' ? e : util.inspect(e, { depth: 2 });
}

class CheckError extends Error {}

function expect(condition, message) {
    if (!condition) {
        throw new CheckError(message);
    }
}

function expectEqual(actual, expected, what) {
    if (actual !== expected) {
        throw new CheckError(`${what}: expected ${util.inspect(expected)}, got ${util.inspect(actual)}`);
    }
}

async function check(name, fn) {
    current = { name, problems: [] };
    let value;
    try {
        let timer;
        const timeout = new Promise((_, reject) => {
            timer = setTimeout(() => reject(new CheckError(`no answer within ${CHECK_TIMEOUT_MS / 1000} s (the SDK never settled its promise)`)), CHECK_TIMEOUT_MS);
        });
        try {
            value = await Promise.race([fn(), timeout]);
        } finally {
            clearTimeout(timer);
        }
    } catch (e) {
        current.problems.unshift(describe(e));
    }

    // Let anything the SDK does after settling (it goes on after reject()) show up under this check.
    await new Promise((resolve) => setImmediate(resolve));
    const problems = current.problems;
    current = null;
    if (problems.length === 0) {
        results.push({ name, ok: true });
        out(`ok ${name}`);
    } else {
        results.push({ name, ok: false });
        out(`FAIL ${name}: ${problems.join('; ')}`);
    }

    return value;
}

// ---- a fresh working folder, so no ./root state or .env of an earlier run leaks in ----------------------

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-sdk-check-'));
process.chdir(work);
const statePath = path.join(work, 'root');

const require = createRequire(import.meta.url);
const ImmudbClient = require('immudb-node').default;

// ---- the checks ---------------------------------------------------------------------------------------

const run = `${process.pid}-${Date.now()}`;
const k = (name) => `sdk:${run}:${name}`;
const txs = {};
let cl;

await check('login (getInstance: Login, DatabaseList, UseDatabase defaultdb, Health)', async () => {
    cl = await ImmudbClient.getInstance({ host, port, user, password, database: 'defaultdb', rootPath: statePath });
    expect(cl && cl._token, 'no client or no token after login');
    expectEqual(cl._activeDatabase, 'defaultdb', 'active database');
});
if (!cl) {
    finish();
}

await check('login (explicit)', async () => {
    const res = await cl.login({ user, password });
    expect(res && typeof res.token === 'string' && res.token.length > 0, 'no token');
    await cl.useDatabase({ databasename: 'defaultdb' });
});

await check('health', async () => {
    const res = await cl.health();
    expectEqual(res.status, true, 'status');
    expect(typeof res.version === 'string' && res.version.length > 0, 'no version');
});

await check('verifiedSet (state bootstrapped from CurrentState)', async () => {
    const res = await cl.verifiedSet({ key: k('old'), value: 'v-old' });
    expect(res && res.id > 0, `no tx id in ${util.inspect(res)}`);
    expectEqual(res.nentries, 1, 'nentries');
    txs.old = res.id;
    expectEqual(readState().txid, res.id, 'trusted state after verifiedSet');
});

await check('set (several more transactions)', async () => {
    for (let i = 0; i < 5; i++) {
        const res = await cl.set({ key: k(`filler${i}`), value: `f${i}` });
        expect(res && res.id > txs.old, `tx id ${res && res.id} not after ${txs.old}`);
    }
    txs.v1 = (await cl.set({ key: k('versions'), value: 'first' })).id;
    txs.v2 = (await cl.set({ key: k('versions'), value: 'second' })).id;
    expect(txs.v2 === txs.v1 + 1, 'versions not in consecutive txs');
});

await check('verifiedSet (dual proof from an older trusted state)', async () => {
    const before = readState().txid;
    const res = await cl.verifiedSet({ key: k('new'), value: 'v-new' });
    expect(res.id > before + 1, `expected a tx well after ${before}, got ${res.id}`);
    txs.new = res.id;
    expectEqual(readState().txid, res.id, 'trusted state after verifiedSet');
});

await check('verifiedGet of an older key (tx before the trusted state)', async () => {
    const res = await cl.verifiedGet({ key: k('old') });
    expectEqual(res.value, 'v-old', 'value');
    expectEqual(res.key, k('old'), 'key');
    expectEqual(res.tx, txs.old, 'tx');
    expectEqual(readState().txid, txs.new, 'trusted state (must stay at the newer tx)');
});

await check('verifiedGet of a key newer than the trusted state', async () => {
    txs.newer = (await cl.set({ key: k('newer'), value: 'v-newer' })).id;
    const res = await cl.verifiedGet({ key: k('newer') });
    expectEqual(res.value, 'v-newer', 'value');
    expectEqual(res.tx, txs.newer, 'tx');
    expectEqual(readState().txid, txs.newer, 'trusted state (must advance)');
});

await check('verifiedGetAt (an earlier version)', async () => {
    const res = await cl.verifiedGetAt({ key: k('versions'), attx: txs.v1 });
    expectEqual(res.value, 'first', 'value');
    expectEqual(res.tx, txs.v1, 'tx');
});

await check('verifiedGetSince', async () => {
    const res = await cl.verifiedGetSince({ key: k('versions'), sincetx: txs.v2 });
    expectEqual(res.value, 'second', 'value');
    expectEqual(res.tx, txs.v2, 'tx');
});

await check('get', async () => {
    const res = await cl.get({ key: k('old') });
    expectEqual(res.value, 'v-old', 'value');
    expectEqual(res.tx, txs.old, 'tx');
});

await check('setReference + verifiedGet of the reference', async () => {
    const ref = await cl.setReference({ key: k('ref'), referencedKey: k('old') });
    expectEqual(ref.nentries, 1, 'nentries');
    const res = await cl.verifiedGet({ key: k('ref') });
    expectEqual(res.key, k('old'), 'resolved key');
    expectEqual(res.value, 'v-old', 'resolved value');
    expectEqual(res.tx, ref.id, 'tx (of the reference)');
    expect(res.referencedby, 'no referencedBy');
    expectEqual(Buffer.from(res.referencedby.key, 'base64').toString(), k('ref'), 'referencedBy.key');
    expectEqual(res.referencedby.tx, ref.id, 'referencedBy.tx');
});

await check('setReferenceAt (bound to a tx) + verifiedGet of the reference', async () => {
    const ref = await cl.setReferenceAt({ key: k('boundref'), referencedKey: k('versions'), attx: txs.v1 });
    const res = await cl.verifiedGet({ key: k('boundref') });
    expectEqual(res.value, 'first', 'resolved value (the version at the bound tx)');
    expectEqual(res.referencedby.attx, txs.v1, 'referencedBy.atTx');
    expectEqual(res.tx, ref.id, 'tx (of the reference)');
});

await check('verifiedSetReference + verifiedGet of the reference', async () => {
    const ref = await cl.verifiedSetReference({ key: k('vref'), referencedKey: k('new') });
    expectEqual(ref.nentries, 1, 'nentries');
    expectEqual(readState().txid, ref.id, 'trusted state');
    const res = await cl.verifiedGet({ key: k('vref') });
    expectEqual(res.value, 'v-new', 'resolved value');
});

await check('verifiedZAdd', async () => {
    const a = await cl.verifiedZAdd({ set: k('zset'), score: 1.5, key: k('old') });
    const b = await cl.verifiedZAdd({ set: k('zset'), score: 2, key: k('new') });
    expect(a.nentries === 1 && b.nentries === 1 && b.id === a.id + 1, `unexpected headers ${util.inspect([a, b])}`);
    expectEqual(readState().txid, b.id, 'trusted state');
    txs.zadd = a.id;
});

await check('verifiedZAddAt (bound to a tx)', async () => {
    const res = await cl.verifiedZAddAt({ set: k('zset'), score: 0.5, key: k('versions'), attx: txs.v1 });
    expectEqual(res.nentries, 1, 'nentries');
});

await check('zAdd + zScan', async () => {
    await cl.zAdd({ set: k('zset'), score: 3, key: k('newer') });
    const res = await cl.zScan({ set: k('zset') });
    const got = res.entriesList.map((e) => `${e.key}@${e.score}`);
    const want = [`${k('versions')}@0.5`, `${k('old')}@1.5`, `${k('new')}@2`, `${k('newer')}@3`];
    expectEqual(JSON.stringify(got), JSON.stringify(want), 'zScan order');
    expectEqual(res.entriesList[0].attx, txs.v1, 'atTx of the bound member');
});

await check('verifiedTxById of an earlier tx', async () => {
    const trusted = readState().txid;
    const res = await cl.verifiedTxById({ tx: txs.old });
    expectEqual(res.metadata.id, txs.old, 'tx id');
    expectEqual(res.entriesList.length, 1, 'entries');
    expectEqual(readState().txid, trusted, 'trusted state (must stay)');
});

await check('verifiedTxById of a tx newer than the trusted state', async () => {
    const later = await cl.set({ key: k('later'), value: 'v-later' });
    const res = await cl.verifiedTxById({ tx: later.id });
    expectEqual(res.metadata.id, later.id, 'tx id');
    expectEqual(readState().txid, later.id, 'trusted state (must advance)');
});

await check('txById', async () => {
    const res = await cl.txById({ tx: txs.zadd });
    expectEqual(res.metadata.id, txs.zadd, 'tx id');
    expectEqual(res.metadata.nentries, 1, 'nentries');
    expectEqual(res.entriesList.length, 1, 'entries');
});

await check('txScan', async () => {
    const res = await cl.txScan({ initialtx: txs.old, limit: 3, desc: false });
    expectEqual(JSON.stringify(res.txsList.map((t) => t.metadata.id)), JSON.stringify([txs.old, txs.old + 1, txs.old + 2]), 'tx ids');
});

await check('scan', async () => {
    const res = await cl.scan({ prefix: k('filler') });
    expectEqual(JSON.stringify(res.entriesList.map((e) => e.value)), JSON.stringify(['f0', 'f1', 'f2', 'f3', 'f4']), 'values');
    const desc = await cl.scan({ prefix: k('filler'), desc: true, limit: 2 });
    expectEqual(JSON.stringify(desc.entriesList.map((e) => e.value)), JSON.stringify(['f4', 'f3']), 'values (desc, limit 2)');
});

await check('history', async () => {
    const res = await cl.history({ key: k('versions') });
    expectEqual(JSON.stringify(res.entriesList.map((e) => [e.value, e.tx])), JSON.stringify([['first', txs.v1], ['second', txs.v2]]), 'history');
});

await check('getAll + setAll + count', async () => {
    const set = await cl.setAll({ kvsList: [{ key: k('all:a'), value: 'A' }, { key: k('all:b'), value: 'B' }] });
    expectEqual(set.nentries, 2, 'nentries');
    const res = await cl.getAll({ keysList: [k('all:b'), k('all:a')], sincetx: set.id });
    expectEqual(JSON.stringify(res.entriesList.map((e) => e.value)), JSON.stringify(['B', 'A']), 'values');
    const count = await cl.count({ prefix: k('all:') });
    expectEqual(count.count, 2, 'count');
});

await check('currentState', async () => {
    const res = await cl.currentState();
    expectEqual(res.db, 'defaultdb', 'db');
    expect(res.txid >= txs.old, `txid ${res.txid}`);
    expectEqual(readState().txid, res.txid, 'stored state');
});

await check('verifiedGet after currentState (state at the newest tx)', async () => {
    const res = await cl.verifiedGet({ key: k('old') });
    expectEqual(res.value, 'v-old', 'value');
});

const otherUser = `sdkuser${process.pid}`;
const otherDb = `sdkdb${process.pid}`;

await check('listDatabases + createDatabase', async () => {
    const before = await cl.listDatabases();
    expect(before.databasesList.some((d) => d.databasename === 'defaultdb'), 'defaultdb not listed');
    await cl.createDatabase({ databasename: otherDb });
    const after = await cl.listDatabases();
    expect(after.databasesList.some((d) => d.databasename === otherDb), `${otherDb} not listed`);
});

await check('createUser + changePermission + listUsers', async () => {
    await cl.createUser({ user: otherUser, password: 'Sdk!pass1', permission: 1, database: 'defaultdb' });
    await cl.changePermission({ action: 0, username: otherUser, database: otherDb, permission: 2 });
    const res = await cl.listUsers();
    const u = res.usersList.find((x) => x.user === otherUser);
    expect(u, `${otherUser} not listed`);
    expectEqual(u.active, true, 'active');
    const perms = u.permissionsList.map((p) => `${p.database}:${p.permission}`).sort();
    expectEqual(JSON.stringify(perms), JSON.stringify([`${otherDb}:2`, 'defaultdb:1'].sort()), 'permissions');
    expect(res.usersList.some((x) => x.user === user), `${user} not listed`);
});

await check('useDatabase + verifiedSet/verifiedGet in the new database', async () => {
    await cl.useDatabase({ databasename: otherDb });
    // The SDK's State.get throws when it knows the server but not this database (it reads
    // Object.keys(undefined)), so take the new database's state explicitly first, as users must.
    const state = await cl.currentState();
    expectEqual(state.db, otherDb, 'db');
    expect(state.txid >= 1, `a new database should start at tx 1 (immudb 1.1's first tx), got ${state.txid}`);
    const set = await cl.verifiedSet({ key: 'in-other-db', value: 'x' });
    const got = await cl.verifiedGet({ key: 'in-other-db' });
    expectEqual(got.value, 'x', 'value');
    expectEqual(got.tx, set.id, 'tx');
    const missing = await cl.scan({ prefix: k('') });
    expectEqual(missing.entriesList.length, 0, 'keys of defaultdb visible in the new database');
});

await check('useDatabase defaultdb again + verifiedTxById', async () => {
    await cl.useDatabase({ databasename: 'defaultdb' });
    const res = await cl.verifiedTxById({ tx: txs.new });
    expectEqual(res.metadata.id, txs.new, 'tx id');
});

await check('logout', async () => {
    await cl.logout();
});

finish();

// ---- end -----------------------------------------------------------------------------------------------

function readState() {
    // The SDK writes its trusted state through on every change; one server, one database at a time here.
    const servers = JSON.parse(fs.readFileSync(statePath, 'utf-8'));
    const db = cl._activeDatabase;
    for (const name of Object.keys(servers)) {
        if (servers[name][db]) {
            return servers[name][db];
        }
    }

    throw new CheckError(`no trusted state stored for ${db}`);
}

function finish() {
    if (stray.length > 0) {
        results.push({ name: 'sdk output outside checks', ok: false });
        out(`FAIL sdk output outside checks: ${stray.join('; ')}`);
    }

    const failed = results.filter((r) => !r.ok).length;
    out(`${results.length - failed} checks passed, ${failed} failed`);
    finishing = true;
    try {
        fs.rmSync(work, { recursive: true, force: true });
    } catch {
        // a leftover temp folder is harmless
    }

    // The SDK saves its state again on exit: into the removed folder, which it then recreates. Point it away.
    if (cl && cl.state) {
        cl.state.commit = () => {};
    }

    realExit(failed === 0 ? 0 : 1);
}
