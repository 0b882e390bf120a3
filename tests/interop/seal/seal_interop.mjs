#!/usr/bin/env node
// seal_interop.mjs: interoperability test of `daas seal` (libseal) against the reference Seal
// TypeScript SDK @mysten/seal (pinned in package.json, driven offline through sdk.mjs).
//
// Usage:  node seal_interop.mjs <path to daas>
//
// Every run draws FRESH random material: per key server a random object id and master key
// (pk = msk·G2 through the SDK, cross-checked with @noble/curves), a random package id, inner
// id (0..40 bytes), plaintext (0..300 bytes) and AAD (0..40 bytes). For DEM in {aes, hmac},
// AAD in {none, some}, n in {3, 5} and every threshold t in 1..n, plus a weighted set (one
// server listed twice), it checks:
//   (a) SDK encrypt.mjs -> daas seal decrypt with t random keys (and with all n keys and
//       every --key-server, so the consistency check runs) gives the plaintext; daas seal
//       parse describes the object as EncryptedObject.parse does;
//   (b) daas seal encrypt -> EncryptedObject.parse (fields, indices 1..n) and SDK decrypt.mjs
//       with t random keys and publicKeys (SDK consistency check) gives the plaintext;
//   (c) daas seal derive-key == the SDK's usk == noble's, and daas genkey/public-key agree
//       with the SDK;
//   (d) tampered objects (a byte of the blob, of a share, of the encrypted randomness, of the
//       MAC, the AAD, an invalid or a valid-but-wrong nonce) fail both ways: daas exits 1 with
//       one line on stderr and nothing on stdout; the SDK throws; a derived key for another
//       identity is refused by daas before decryption;
//   (e) t-1 keys fail both ways.
// Exits 0 with one summary line, or 1 naming the first failure with what reproduces it.

import { spawnSync } from 'node:child_process';
import { createDecipheriv, randomBytes, randomInt } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';

import { fromHex, keyMap, loadSdk, makeServer, toHex } from './sdk.mjs';

const DAAS = process.argv[2];
const stats = { sdkToDaas: 0, daasToSdk: 0, tamperDaas: 0, tamperSdk: 0, fewer: 0, derive: 0, parse: 0 };
let context = {};

function die(msg) {
  console.error(`seal_interop: ${msg}`);
  console.error(`seal_interop: context: ${JSON.stringify(context)}`);
  process.exit(1);
}

function check(cond, msg) {
  if (!cond) die(msg);
}

function daas(args, input) {
  const r = spawnSync(DAAS, ['seal', ...args], { input: input ?? Buffer.alloc(0), maxBuffer: 1 << 28 });
  if (r.error) die(`cannot run ${DAAS}: ${r.error.message}`);
  return { code: r.status, stdout: r.stdout, stderr: r.stderr.toString() };
}

function daasOk(args, input, what) {
  const r = daas(args, input);
  if (r.code !== 0) die(`${what}: daas seal ${args[0]} exited ${r.code}: ${r.stderr.trim()}`);
  return r.stdout;
}

// A refusal is exit 1 (2 for a usage error when allowUsage), one line on stderr, empty stdout.
function daasFails(args, input, what, allowUsage = false) {
  const r = daas(args, input);
  const codes = allowUsage ? [1, 2] : [1];
  check(codes.includes(r.code), `${what}: daas seal ${args[0]} exited ${r.code} (want ${codes}), stderr: ${r.stderr}`);
  check(r.stdout.length === 0, `${what}: daas wrote ${r.stdout.length} bytes to stdout on failure`);
  const lines = r.stderr.split('\n').filter((l) => l.length > 0);
  check(lines.length === 1 && lines[0].startsWith('daas seal '), `${what}: want one line on stderr, got ${JSON.stringify(r.stderr)}`);
  return lines[0];
}

async function sdkFails(sdk, fn, what) {
  try {
    await fn();
  } catch {
    return;
  }
  die(`${what}: the SDK accepted it`);
}

const shuffle = (a) => {
  const b = [...a];
  for (let i = b.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [b[i], b[j]] = [b[j], b[i]];
  }
  return b;
};
const rndHex = (max) => toHex(randomBytes(randomInt(max + 1)));

// ---- one configuration ----

function material(sdk, pool, n, weighted) {
  // weighted: n services over n-1 distinct servers, the first one listed twice
  const distinct = weighted ? n - 1 : n;
  const servers = pool.slice(0, distinct);
  const services = weighted ? [servers[0], ...servers] : servers;
  const packageId = '0x' + toHex(randomBytes(32));
  const id = rndHex(40);
  return { servers, services, packageId, id };
}

const ksFlags = (list) => list.flatMap((s) => ['--key-server', `${s.objectId}:${s.pkHex}`]);
const dkFlags = (list, usks) => list.flatMap((s) => ['--derived-key', `${s.objectId}:${usks.get(s.objectId)}`]);

// t random distinct servers of m whose service entries hold at least... the SDK and daas count
// service entries (weights) per key held, so pick keys until the entries reach want.
function pickKeys(m, want) {
  const picked = [];
  let entries = 0;
  for (const s of shuffle(m.servers)) {
    if (entries >= want) break;
    picked.push(s);
    entries += m.services.filter((x) => x === s).length;
  }
  return { picked, entries };
}

// Largest set of keys whose service entries stay below t (for the "too few keys" case).
function tooFewKeys(m, t) {
  const picked = [];
  let entries = 0;
  for (const s of shuffle(m.servers)) {
    const w = m.services.filter((x) => x === s).length;
    if (entries + w < t) {
      picked.push(s);
      entries += w;
    }
  }
  return picked;
}

function parsedShape(eo) {
  const c = eo.ciphertext;
  const kind = c.Aes256Gcm ? 'aes-256-gcm' : c.Hmac256Ctr ? 'hmac-sha3-256-ctr' : 'plain';
  const body = c.Aes256Gcm ?? c.Hmac256Ctr;
  return {
    package_id: eo.packageId,
    id: eo.id,
    services: eo.services.map(([o, i]) => ({ object_id: o, index: i })),
    threshold: eo.threshold,
    dem: kind,
    ciphertext_size: body ? body.blob.length : 0,
    aad: body && body.aad != null ? toHex(body.aad) : null,
    nonce: toHex(eo.encryptedShares.BonehFranklinBLS12381.nonce),
  };
}

function checkParse(sdk, bytes, hexInput) {
  const out = daasOk(['parse'], hexInput ? Buffer.from(toHex(bytes) + '\n') : Buffer.from(bytes), 'parse');
  const j = JSON.parse(out.toString());
  const want = parsedShape(sdk.EncryptedObject.parse(bytes));
  const got = {};
  for (const k of Object.keys(want)) got[k] = j[k];
  check(isDeepStrictEqual(got, want), `daas seal parse differs from EncryptedObject.parse:\n daas ${JSON.stringify(got)}\n sdk  ${JSON.stringify(want)}`);
  check(j.size === bytes.length, `daas seal parse: size ${j.size}, object has ${bytes.length} bytes`);
  stats.parse++;
}

// Object mutations: [name, function(eo) -> eo'] applied on the parsed form.
function tamperings(sdk, eo) {
  const list = [];
  const ct = eo.ciphertext.Aes256Gcm ?? eo.ciphertext.Hmac256Ctr;
  const flip = (a, i) => { const b = Uint8Array.from(a); b[i] ^= 1 << randomInt(8); return b; };
  const clone = () => sdk.EncryptedObject.parse(sdk.EncryptedObject.serialize(eo).toBytes());
  if (ct.blob.length > 0)
    list.push(['blob', () => { const e = clone(); const c = e.ciphertext.Aes256Gcm ?? e.ciphertext.Hmac256Ctr; c.blob = flip(c.blob, randomInt(c.blob.length)); return e; }]);
  list.push(['share', () => { const e = clone(); const s = e.encryptedShares.BonehFranklinBLS12381.encryptedShares; const i = randomInt(s.length); s[i] = flip(s[i], randomInt(32)); return e; }]);
  list.push(['randomness', () => { const e = clone(); const b = e.encryptedShares.BonehFranklinBLS12381; b.encryptedRandomness = flip(b.encryptedRandomness, randomInt(32)); return e; }]);
  list.push(['nonce byte', () => { const e = clone(); const b = e.encryptedShares.BonehFranklinBLS12381; b.nonce = flip(b.nonce, 1 + randomInt(95)); return e; }]);
  list.push(['nonce point', () => { const e = clone(); e.encryptedShares.BonehFranklinBLS12381.nonce = sdk.G2Element.generator().multiply(sdk.Scalar.random()).toBytes(); return e; }]);
  list.push(['aad', () => { const e = clone(); const c = e.ciphertext.Aes256Gcm ?? e.ciphertext.Hmac256Ctr; c.aad = c.aad != null && c.aad.length > 0 ? flip(c.aad, randomInt(c.aad.length)) : Uint8Array.from([1]); return e; }]);
  if (eo.ciphertext.Hmac256Ctr)
    list.push(['mac', () => { const e = clone(); e.ciphertext.Hmac256Ctr.mac = flip(e.ciphertext.Hmac256Ctr.mac, randomInt(32)); return e; }]);
  return list;
}

async function sdkDecrypt(sdk, m, bytes, keys, withPks) {
  const eo = sdk.EncryptedObject.parse(bytes);
  const map = keyMap(m.packageId, m.id, keys.map((s) => [s.objectId, s.uskEl]));
  const publicKeys = withPks ? eo.services.map(([o]) => m.servers.find((s) => s.objectId === o).pk) : undefined;
  return sdk.decrypt({ encryptedObject: eo, keys: map, publicKeys });
}

async function runConfig(sdk, pool, cfg) {
  const { dem, withAad, n, t, weighted } = cfg;
  const m = material(sdk, pool, n, weighted);
  const plaintext = randomBytes(randomInt(301));
  const aad = withAad ? randomBytes(randomInt(41)) : null;
  context = { ...cfg, packageId: m.packageId, id: m.id, plaintext: toHex(plaintext), aad: aad && toHex(aad),
    services: m.services.map((s) => ({ objectId: s.objectId, msk: s.mskHex })) };

  // (c) derived keys: daas derive-key == SDK usk, verified by the SDK against pk
  const usks = new Map();
  for (const s of m.servers) {
    s.uskEl = s.usk(m.packageId, m.id);
    const want = toHex(s.uskEl.toBytes());
    const got = daasOk(['derive-key', '--master-key-hex', s.mskHex, '--package-id', m.packageId, '--id', m.id], null, 'derive-key').toString().trim();
    check(got === want, `derive-key: daas ${got}, SDK ${want}`);
    if (s === m.servers[0]) // two pairings in JS: once per configuration is enough
      check(sdk.BonehFranklinBLS12381Services.verifyUserSecretKey(s.uskEl, toHex(fromHex(m.packageId)) + m.id, s.pk), 'SDK usk does not verify');
    usks.set(s.objectId, got);
    stats.derive++;
  }

  // (a) SDK -> daas
  const Dem = dem === 'aes' ? sdk.AesGcm256 : sdk.Hmac256Ctr;
  const { encryptedObject: sdkObj } = await sdk.encrypt({
    keyServers: m.services.map((s) => ({ objectId: s.objectId, pk: s.pk.toBytes() })),
    kemType: sdk.KemType.BonehFranklinBLS12381DemCCA, threshold: t, packageId: m.packageId, id: m.id,
    encryptionInput: new Dem(new Uint8Array(plaintext), aad ? new Uint8Array(aad) : new Uint8Array()),
  });
  checkParse(sdk, sdkObj, cfg.hexInput);
  const few = pickKeys(m, t).picked;
  for (const [keys, ks, label] of [[few, few, 'threshold keys'], [m.servers, m.servers, 'all keys, consistency check']]) {
    const input = cfg.hexInput ? Buffer.from('0x' + toHex(sdkObj)) : Buffer.from(sdkObj);
    const out = daasOk(['decrypt', ...ksFlags(ks), ...dkFlags(keys, usks)], input, `SDK object, daas decrypt (${label})`);
    check(Buffer.compare(out, plaintext) === 0, `SDK object, daas decrypt (${label}): plaintext differs`);
    stats.sdkToDaas++;
  }

  // (b) daas -> SDK
  const encArgs = ['encrypt', '--package-id', m.packageId, '--id', m.id, '--threshold', String(t), '--dem', dem, ...ksFlags(m.services)];
  if (aad) encArgs.push('--aad', toHex(aad));
  if (cfg.hexOutput) encArgs.push('--hex');
  let daasObj = daasOk(encArgs, plaintext, 'daas encrypt');
  if (cfg.hexOutput) daasObj = Buffer.from(daasObj.toString().trim(), 'hex');
  const eo = sdk.EncryptedObject.parse(daasObj);
  check(eo.version === 0 && eo.packageId === m.packageId && eo.id === m.id && eo.threshold === t, 'daas object: header fields differ');
  check(isDeepStrictEqual(eo.services, m.services.map((s, i) => [s.objectId, i + 1])), 'daas object: services differ');
  const body = eo.ciphertext.Aes256Gcm ?? eo.ciphertext.Hmac256Ctr;
  check(!!(dem === 'aes' ? eo.ciphertext.Aes256Gcm : eo.ciphertext.Hmac256Ctr), 'daas object: wrong DEM');
  check(aad ? body.aad != null && toHex(body.aad) === toHex(aad) : body.aad == null, 'daas object: aad differs');
  const fewB = pickKeys(m, t).picked;
  const pt = await sdkDecrypt(sdk, m, daasObj, fewB, true);
  check(Buffer.compare(Buffer.from(pt), plaintext) === 0, 'daas object, SDK decrypt: plaintext differs');
  stats.daasToSdk++;

  // (d) tampering, both directions (every kind for the SDK's objects; for daas's objects one
  // kind per configuration, in turn, so every kind is covered: the SDK is slow)
  for (const [name, mutate] of tamperings(sdk, sdk.EncryptedObject.parse(sdkObj))) {
    const bad = sdk.EncryptedObject.serialize(mutate()).toBytes();
    daasFails(['decrypt', ...ksFlags(m.servers), ...dkFlags(few, usks)], Buffer.from(bad), `SDK object with a tampered ${name}`);
    stats.tamperDaas++;
  }
  const kinds = tamperings(sdk, eo);
  for (const [name, mutate] of [kinds[cfg.k % kinds.length]]) {
    const bad = sdk.EncryptedObject.serialize(mutate()).toBytes();
    await sdkFails(sdk, () => sdkDecrypt(sdk, m, bad, fewB, true), `daas object with a tampered ${name}`);
    stats.tamperSdk++;
  }
  // a derived key of another identity is refused before decryption
  const other = toHex(m.servers[0].usk(m.packageId, m.id + 'ff').toBytes());
  const wrong = new Map(usks).set(m.servers[0].objectId, other);
  const line = daasFails(['decrypt', ...ksFlags(m.servers), ...dkFlags([m.servers[0], ...few.filter((s) => s !== m.servers[0])], wrong)], Buffer.from(sdkObj), 'a derived key of another identity');
  check(/does not verify/.test(line), `a derived key of another identity: unexpected message: ${line}`);

  // (e) too few keys, both directions
  const under = tooFewKeys(m, t);
  daasFails(['decrypt', ...ksFlags(m.servers), ...dkFlags(under, usks)], Buffer.from(sdkObj), `${under.length} keys below threshold ${t}`, under.length === 0);
  await sdkFails(sdk, () => sdkDecrypt(sdk, m, daasObj, under, true), `SDK decrypt with keys below threshold ${t}`);
  stats.fewer += 2;
}

// ---- keys and files ----

async function checkKeys(sdk, dir) {
  const file = join(dir, 'msk');
  const pkHex = daasOk(['genkey', '--out', file], null, 'genkey').toString().trim();
  check((statSync(file).mode & 0o777) === 0o600, 'genkey: master-key file is not mode 0600');
  const mskHex = readFileSync(file, 'utf8').trim();
  const msk = sdk.Scalar.fromBytes(fromHex(mskHex));
  check(toHex(sdk.G2Element.generator().multiply(msk).toBytes()) === pkHex, 'genkey: pk is not msk·G2 per the SDK');
  const pk2 = daasOk(['public-key', '--master-key', file], null, 'public-key').toString().trim();
  check(pk2 === pkHex, 'public-key differs from genkey');
  daasFails(['genkey', '--out', file], null, 'genkey over an existing file');
  const [m2, p2] = daasOk(['genkey', '--print'], null, 'genkey --print').toString().trim().split('\n');
  check(toHex(sdk.bls12_381.G2.Point.BASE.multiply(BigInt('0x' + m2)).toBytes()) === p2, 'genkey --print: pk is not msk·G2 per noble');
  // noble and the SDK agree on pk (independent path)
  const s = makeServer(sdk, randomBytes);
  check(toHex(sdk.bls12_381.G2.Point.BASE.multiply(BigInt('0x' + s.mskHex)).toBytes()) === s.pkHex, 'noble and the SDK differ on pk');
  return { pkHex, mskHex };
}

// encrypt --dem-key-out: the file (0600) holds the key that opens the blob (node:crypto AES-GCM).
function checkDemKey(sdk, pool, dir) {
  const file = join(dir, 'dem');
  const s = pool[0];
  const pt = randomBytes(100);
  const obj = daasOk(['encrypt', '--package-id', '0x' + toHex(randomBytes(32)), '--id', '', '--threshold', '1',
    '--key-server', `${s.objectId}:${s.pkHex}`, '--dem-key-out', file], pt, 'encrypt --dem-key-out');
  check((statSync(file).mode & 0o777) === 0o600, 'dem-key-out: file is not mode 0600');
  const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'hex');
  const blob = Buffer.from(sdk.EncryptedObject.parse(obj).ciphertext.Aes256Gcm.blob);
  const d = createDecipheriv('aes-256-gcm', key, Buffer.from('8a3799fdc62e79dba0805907d69c94dc', 'hex'));
  d.setAuthTag(blob.subarray(blob.length - 16));
  const got = Buffer.concat([d.update(blob.subarray(0, blob.length - 16)), d.final()]);
  check(Buffer.compare(got, pt) === 0, 'dem-key-out: the key does not open the blob');
}

async function main() {
  if (!DAAS) die('usage: node seal_interop.mjs <path to daas>');
  let sdk;
  try {
    sdk = await loadSdk();
  } catch (e) {
    die(e.message);
  }
  const t0 = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'seal-interop-'));
  try {
    const pool = Array.from({ length: 5 }, () => makeServer(sdk, randomBytes));
    await checkKeys(sdk, dir);
    checkDemKey(sdk, pool, dir);
    let k = 0;
    for (const dem of ['aes', 'hmac'])
      for (const withAad of [false, true])
        for (const n of [3, 5])
          for (let t = 1; t <= n; t++, k++)
            await runConfig(sdk, pool, { k, dem, withAad, n, t, weighted: false, hexInput: k % 4 === 1, hexOutput: k % 3 === 2 });
    for (const dem of ['aes', 'hmac'])
      for (let t = 1; t <= 4; t++, k++)
        await runConfig(sdk, pool, { k, dem, withAad: true, n: 4, t, weighted: true, hexInput: false, hexOutput: false });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const s = stats;
  console.log(`seal_interop: ok (@mysten/seal ${sdk.version}): ${s.sdkToDaas} SDK objects opened by daas, ` +
    `${s.daasToSdk} daas objects opened by the SDK, ${s.parse} parsed alike, ${s.derive} derived keys equal, ` +
    `${s.tamperDaas} tampered objects refused by daas, ${s.tamperSdk} by the SDK, ${s.fewer} too-few-keys refusals, ` +
    `${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

main().catch((e) => die(e.stack ?? String(e)));
