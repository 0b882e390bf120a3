#!/usr/bin/env node
// sdk_bench.mjs: the SDK side of bench_seal: Seal encryptions and decryptions per second with
// the reference TypeScript SDK @mysten/seal (tests/interop/seal/node_modules, loaded offline
// through tests/interop/seal/sdk.mjs), for the same runs as bench/seal/main.c: 2-of-3 and
// 3-of-5, fresh random master keys, package id, 32-byte id, 1 KiB plaintext, AES-256-GCM;
//   encrypt: encrypt.mjs (object bytes out);
//   decrypt: EncryptedObject.parse + decrypt.mjs with t derived keys (verified beforehand)
//            and publicKeys given (the SDK's share-consistency check on).
// Usage:  node sdk_bench.mjs [seconds per figure, default 2]
// Prints one JSON line {"encrypt_2of3": ops/s, "decrypt_2of3": ..., ...}; exits 1 when the SDK
// is not installed or a decryption gives another plaintext.

import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const { fromHex, keyMap, loadSdk, makeServer, toHex } = await import(
  pathToFileURL(join(ROOT, 'tests', 'interop', 'seal', 'sdk.mjs')).href);

const seconds = Number(process.argv[2] ?? 2);

async function timed(fn) {
  await fn(); // warm-up (JIT, tables)
  let ops = 0;
  const t0 = performance.now();
  let t1 = t0;
  do {
    await fn();
    ops++;
    t1 = performance.now();
  } while (t1 - t0 < seconds * 1000);
  return ops / ((t1 - t0) / 1000);
}

async function run(sdk, t, n) {
  const servers = Array.from({ length: n }, () => makeServer(sdk, randomBytes));
  const packageId = '0x' + toHex(randomBytes(32));
  const id = toHex(randomBytes(32));
  const pt = new Uint8Array(randomBytes(1024));
  const keyServers = servers.map((s) => ({ objectId: s.objectId, pk: s.pk.toBytes() }));
  const usks = servers.slice(0, t).map((s) => [s.objectId, s.usk(packageId, id)]);
  for (const [, usk] of usks)
    if (!sdk.BonehFranklinBLS12381Services.verifyUserSecretKey(usk, toHex(fromHex(packageId)) + id, servers[usks.findIndex(([, u]) => u === usk)].pk))
      throw new Error('derived key does not verify');
  const keys = keyMap(packageId, id, usks);
  const publicKeys = servers.map((s) => s.pk);
  let obj;
  const encrypt = async () => {
    obj = (await sdk.encrypt({ keyServers, kemType: sdk.KemType.BonehFranklinBLS12381DemCCA, threshold: t,
      packageId, id, encryptionInput: new sdk.AesGcm256(pt, new Uint8Array()) })).encryptedObject;
  };
  const enc = await timed(encrypt);
  const decrypt = async () => {
    const out = await sdk.decrypt({ encryptedObject: sdk.EncryptedObject.parse(obj), keys, publicKeys });
    if (Buffer.compare(Buffer.from(out), Buffer.from(pt)) !== 0) throw new Error('plaintext differs');
  };
  const dec = await timed(decrypt);
  return [enc, dec];
}

try {
  const sdk = await loadSdk();
  const out = {};
  for (const [t, n] of [[2, 3], [3, 5]]) {
    const [enc, dec] = await run(sdk, t, n);
    out[`encrypt_${t}of${n}`] = enc;
    out[`decrypt_${t}of${n}`] = dec;
  }
  console.log(JSON.stringify(out));
} catch (e) {
  console.error(`sdk_bench: ${e.message}`);
  process.exit(1);
}
