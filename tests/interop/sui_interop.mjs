#!/usr/bin/env node
// sui_interop.mjs: interoperability test of daas's libsui (through sui_tool) against the
// reference TypeScript SDK @mysten/sui (pinned in package.json).
//
// Usage:  node sui_interop.mjs <path to sui_tool>
// Env:    DAAS_INTEROP_SEED=<hex>  replay the random inputs of an earlier run (printed on failure
//                                  and in the summary); daas keygen and daas secp256r1
//                                  signatures stay fresh (OS randomness), their values are printed.
//         DAAS_INTEROP_N=<n>       iterations per signature scheme (default 30).
//
// Every run draws fresh inputs (keys, messages 0..300 bytes, transactions) and checks both ways:
//   keys        daas keygen -> SDK imports the suiprivkey: same public key, address, suiprivkey;
//               SDK key -> daas import: same;
//   personal    daas signs -> SDK verifyPersonalMessageSignature gives daas's address, and for the
//               deterministic schemes (Ed25519, secp256k1) the signature bytes are the SDK's own;
//               SDK signs -> daas verifies with the same address; tampered message or signature,
//               wrong intent scope, high-S ECDSA -> rejected;
//   tx (SDK)    random PTBs built offline by Transaction.build() -> daas decodes to the same
//               structure as bcs.TransactionData.parse, re-encodes byte for byte, same digest;
//   tx (daas)   random TransactionData built by daas from a JSON description -> the SDK parses it
//               to that description, re-serializes (bcs and Transaction.from().build()) byte for
//               byte, same digest;
//   tx sigs     daas sign_tx <-> SDK verifyTransactionSignature / signTransaction, both ways;
//               SenderSignedData encoded by daas equals bcs.SenderSignedData.serialize;
//   mutations   bytes of both kinds with one byte flipped, set, inserted or removed: what daas
//               accepts the SDK reads alike and re-serializes identically, and what the SDK reads
//               canonically daas accepts (named exceptions: see checkMutations, beyondSdk).
// Exits 0 with one summary line, or 1 naming the first mismatch and everything to reproduce it.

import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { isDeepStrictEqual } from 'node:util';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const PINNED = JSON.parse(readFileSync(join(HERE, 'package.json'), 'utf8')).dependencies['@mysten/sui'];
const SCHEMES = ['ed25519', 'secp256k1', 'secp256r1'];
const SDK_SCHEME_NAME = { ed25519: 'ED25519', secp256k1: 'Secp256k1', secp256r1: 'Secp256r1' };
const CURVE_N = {
  secp256k1: 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n,
  secp256r1: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
};

function die(msg) {
  console.error(`sui_interop: ${msg}`);
  process.exit(1);
}

// ---- the SDK (installed by scripts/install-npm.sh; a missing or wrong install fails) ----

async function loadSdk() {
  const pkg = join(HERE, 'node_modules', '@mysten', 'sui', 'package.json');
  if (!existsSync(pkg))
    die(`${pkg} is missing: run scripts/install-npm.sh (npm ci --prefix tests/interop)`);
  const version = JSON.parse(readFileSync(pkg, 'utf8')).version;
  if (version !== PINNED)
    die(`@mysten/sui ${version} is installed, package.json pins ${PINNED}: run scripts/install-npm.sh`);
  const imp = (p) => import(join(HERE, 'node_modules', '@mysten', 'sui', 'dist', 'esm', p));
  const [bcsMod, crypto, ed, k1, r1, txs, verify, utils] = await Promise.all([
    imp('bcs/index.js'), imp('cryptography/index.js'), imp('keypairs/ed25519/index.js'),
    imp('keypairs/secp256k1/index.js'), imp('keypairs/secp256r1/index.js'),
    imp('transactions/index.js'), imp('verify/index.js'), imp('utils/index.js'),
  ]);
  return {
    version,
    bcs: bcsMod.bcs,
    TypeTagSerializer: bcsMod.TypeTagSerializer,
    decodeSuiPrivateKey: crypto.decodeSuiPrivateKey,
    Keypair: { ed25519: ed.Ed25519Keypair, secp256k1: k1.Secp256k1Keypair, secp256r1: r1.Secp256r1Keypair },
    Transaction: txs.Transaction,
    Inputs: txs.Inputs,
    TransactionDataBuilder: txs.TransactionDataBuilder,
    verifyPersonalMessageSignature: verify.verifyPersonalMessageSignature,
    verifyTransactionSignature: verify.verifyTransactionSignature,
    publicKeyFromSuiBytes: verify.publicKeyFromSuiBytes,
    toBase58: utils.toBase58,
  };
}

// ---- deterministic randomness from a crypto-random seed ----

class Rng {
  constructor(seed) {
    this.seed = seed;
    this.counter = 0n;
    this.pool = Buffer.alloc(0);
  }
  bytes(n) {
    while (this.pool.length < n) {
      const ctr = Buffer.alloc(8);
      ctr.writeBigUInt64LE(this.counter++);
      const block = createHash('sha256').update(this.seed).update(ctr).digest();
      this.pool = Buffer.concat([this.pool, block]);
    }
    const out = this.pool.subarray(0, n);
    this.pool = this.pool.subarray(n);
    return new Uint8Array(out);
  }
  int(n) { // uniform in [0, n), n <= 2^32
    const lim = 2 ** 32 - (2 ** 32 % n);
    for (;;) {
      const v = Buffer.from(this.bytes(4)).readUInt32LE();
      if (v < lim) return v % n;
    }
  }
  bool() { return this.int(2) === 1; }
  pick(a) { return a[this.int(a.length)]; }
  bits(nbits) { // uniform BigInt below 2^nbits
    let v = 0n;
    for (const b of this.bytes(Math.ceil(nbits / 8))) v = (v << 8n) | BigInt(b);
    return v & ((1n << BigInt(nbits)) - 1n);
  }
  u64() { return this.bits(this.int(65)); } // random bit length: small and huge values
  u64nz() { const v = this.u64(); return v === 0n ? 1n : v; }
}

const hex = (u8) => Buffer.from(u8).toString('hex');
const b64 = (u8) => Buffer.from(u8).toString('base64');
const unb64 = (s) => new Uint8Array(Buffer.from(s, 'base64'));
const bytesEqual = (a, b) => a.length === b.length && Buffer.from(a).equals(Buffer.from(b));

// ---- failures carry what is needed to reproduce them ----

class Mismatch extends Error {
  constructor(what, details) {
    super(what);
    this.details = details;
  }
}

function check(cond, what, details = {}) {
  if (!cond) throw new Mismatch(what, details);
}

async function rejects(promiseFn) {
  try {
    await promiseFn();
    return false;
  } catch {
    return true;
  }
}

// ---- the C side ----

class Tool {
  constructor(path) {
    this.proc = spawn(path, [], { stdio: ['pipe', 'pipe', 'inherit'] });
    this.pending = [];
    this.exited = new Promise((resolve) => {
      this.proc.on('exit', (code, signal) => {
        this.status = signal ? `signal ${signal}` : `exit code ${code}`;
        for (const p of this.pending.splice(0)) p.reject(new Error(`sui_tool ended (${this.status})`));
        resolve(code === 0 && !signal);
      });
    });
    this.proc.on('error', (e) => die(`cannot run ${path}: ${e.message}`));
    createInterface({ input: this.proc.stdout }).on('line', (line) => {
      const p = this.pending.shift();
      try {
        p.resolve(JSON.parse(line));
      } catch (e) {
        p.reject(new Error(`sui_tool wrote a non-JSON line: ${line.slice(0, 200)}`));
      }
    });
  }
  call(req) {
    return new Promise((resolve, reject) => {
      this.pending.push({ resolve, reject });
      this.proc.stdin.write(`${JSON.stringify(req)}\n`);
    });
  }
  async ok(req) { // a call that must succeed
    const ans = await this.call(req);
    check(ans.ok === true, `sui_tool ${req.op} failed: ${ans.code} ${ans.error}`, { request: req, answer: ans });
    return ans;
  }
  async close() {
    this.proc.stdin.end();
    return this.exited;
  }
}

// ---- random inputs ----

const IDENT_FIRST = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
const IDENT_REST = `${IDENT_FIRST}0123456789_`;
const PRIMS = ['bool', 'u8', 'u16', 'u32', 'u64', 'u128', 'u256', 'address', 'signer'];

function ident(rng) {
  let s = rng.pick([...IDENT_FIRST]);
  for (let n = rng.int(12); n > 0; n--) s += rng.pick([...IDENT_REST]);
  return s;
}

function address(rng, allowShort = false) {
  if (allowShort && rng.int(4) === 0) return `0x${rng.int(16).toString(16)}`;
  return `0x${hex(rng.bytes(32))}`;
}

function moveType(rng, depth = 0) {
  const r = depth >= 3 ? 0 : rng.int(10);
  if (r < 5) return rng.pick(PRIMS);
  if (r < 7) return `vector<${moveType(rng, depth + 1)}>`;
  const params = Array.from({ length: rng.int(3) }, () => moveType(rng, depth + 1));
  const base = `${address(rng, true)}::${ident(rng)}::${ident(rng)}`;
  return params.length ? `${base}<${params.join(', ')}>` : base;
}

function objectRef(sdk, rng) {
  return { objectId: address(rng), version: String(rng.u64()), digest: sdk.toBase58(rng.bytes(32)) };
}

// A random value for tx.pure, of a random Move type.
function pureArg(tx, rng) {
  switch (rng.int(11)) {
    case 0: return tx.pure.u8(rng.int(256));
    case 1: return tx.pure.u16(rng.int(65536));
    case 2: return tx.pure.u32(Number(rng.bits(32)));
    case 3: return tx.pure.u64(rng.u64());
    case 4: return tx.pure.u128(rng.bits(rng.int(129)));
    case 5: return tx.pure.u256(rng.bits(rng.int(257)));
    case 6: return tx.pure.bool(rng.bool());
    case 7: return tx.pure.address(address(rng, true));
    case 8: return tx.pure.string(Buffer.from(rng.bytes(rng.int(40))).toString('latin1'));
    case 9: return tx.pure.option('u64', rng.bool() ? rng.u64() : null);
    default: return tx.pure(rng.bytes(rng.int(120))); // raw BCS bytes
  }
}

function objectArg(sdk, tx, rng) {
  switch (rng.int(4)) {
    case 0: return tx.object(sdk.Inputs.ObjectRef(objectRef(sdk, rng)));
    case 1: return tx.objectRef(objectRef(sdk, rng));
    case 2: return tx.receivingRef(objectRef(sdk, rng));
    default:
      return tx.sharedObjectRef({
        objectId: address(rng), initialSharedVersion: String(rng.u64()), mutable: rng.bool(),
      });
  }
}

// A random argument: gas coin, a new object or pure input, or an earlier result.
function anyArg(sdk, tx, rng, results) {
  const r = rng.int(10);
  if (r === 0) return tx.gas;
  if (r < 4 && results.length) return rng.pick(results);
  if (r < 7) return objectArg(sdk, tx, rng);
  return pureArg(tx, rng);
}

const many = (rng, max, f) => Array.from({ length: 1 + rng.int(max) }, f);

// Appends one random command to tx; pushes what later commands may use into results.
function sdkCommand(sdk, tx, rng, results) {
  const arg = () => anyArg(sdk, tx, rng, results);
  const modules = () => Array.from({ length: rng.int(3) }, () => b64(rng.bytes(rng.int(200))));
  const deps = () => Array.from({ length: rng.int(3) }, () => address(rng, true));
  let res;
  switch (rng.int(7)) {
    case 0: {
      const amounts = many(rng, 3, () => (rng.bool() ? tx.pure.u64(rng.u64()) : Number(rng.bits(40))));
      res = tx.splitCoins(rng.bool() ? tx.gas : arg(), amounts);
      for (let i = 0; i < amounts.length; i++) results.push(res[i]);
      return;
    }
    case 1: tx.mergeCoins(arg(), many(rng, 3, arg)); return;
    case 2: tx.transferObjects(many(rng, 3, arg), rng.bool() ? address(rng, true) : arg()); return;
    case 3:
      res = tx.moveCall({
        target: `${address(rng, true)}::${ident(rng)}::${ident(rng)}`,
        typeArguments: Array.from({ length: rng.int(4) }, () => moveType(rng)),
        arguments: Array.from({ length: rng.int(5) }, arg),
      });
      results.push(res, res[rng.int(3)]);
      return;
    case 4:
      res = tx.makeMoveVec({ type: rng.bool() ? moveType(rng) : undefined, elements: many(rng, 3, arg) });
      results.push(res);
      return;
    case 5: results.push(tx.publish({ modules: modules(), dependencies: deps() })); return;
    default:
      results.push(tx.upgrade({ modules: modules(), dependencies: deps(), package: address(rng), ticket: arg() }));
  }
}

function sdkTransaction(sdk, rng, sender) {
  const tx = new sdk.Transaction();
  tx.setSender(sender);
  tx.setGasPrice(rng.u64nz());
  tx.setGasBudget(rng.u64nz());
  tx.setGasPayment(Array.from({ length: rng.int(4) }, () => objectRef(sdk, rng)));
  if (rng.int(3) === 0) tx.setGasOwner(address(rng));
  const e = rng.int(3);
  if (e === 1) tx.setExpiration({ None: true });
  if (e === 2) tx.setExpiration({ Epoch: String(rng.bits(53)) }); // 1.45.2 parses Epoch as a JS number
  const results = [];
  for (let n = 1 + rng.int(6); n > 0; n--) sdkCommand(sdk, tx, rng, results);
  return tx;
}

// A random TransactionData in the SDK's parse() shape, for daas to build. In a "valid" one every
// Input and Result index points at an existing input or earlier command (Transaction.from needs
// that); the others also carry u16 indices up to 65535.
function specArg(rng, lim) {
  const idx = (n) => (lim.valid ? rng.int(Math.max(n, 1)) : rng.int(rng.bool() ? 8 : 65536));
  const r = rng.int(4);
  if (r === 0 || (lim.valid && ((r === 1 && !lim.inputs) || (r > 1 && !lim.commands)))) return { GasCoin: true };
  if (r === 1) return { Input: idx(lim.inputs) };
  if (r === 2) return { Result: idx(lim.commands) };
  return { NestedResult: [idx(lim.commands), rng.int(lim.valid ? 4 : 65536)] };
}

function specInput(sdk, rng) {
  switch (rng.int(4)) {
    case 0: return { Pure: { bytes: b64(rng.bytes(rng.bool() ? rng.int(16) : rng.int(300))) } };
    case 1: return { Object: { ImmOrOwnedObject: objectRef(sdk, rng) } };
    case 2: return { Object: { Receiving: objectRef(sdk, rng) } };
    default:
      return {
        Object: {
          SharedObject: { objectId: address(rng), initialSharedVersion: String(rng.u64()), mutable: rng.bool() },
        },
      };
  }
}

function specCommand(rng, lim) {
  const args = (max) => Array.from({ length: rng.int(max + 1) }, () => specArg(rng, lim));
  const mods = () => Array.from({ length: rng.int(3) }, () => b64(rng.bytes(rng.int(200))));
  const deps = () => Array.from({ length: rng.int(3) }, () => address(rng, true));
  switch (rng.int(7)) {
    case 0:
      return {
        MoveCall: {
          package: address(rng, true), module: ident(rng), function: ident(rng),
          typeArguments: Array.from({ length: rng.int(4) }, () => moveType(rng)), arguments: args(5),
        },
      };
    case 1: return { TransferObjects: { objects: args(3), address: specArg(rng, lim) } };
    case 2: return { SplitCoins: { coin: specArg(rng, lim), amounts: args(3) } };
    case 3: return { MergeCoins: { destination: specArg(rng, lim), sources: args(3) } };
    case 4: return { MakeMoveVec: { type: rng.bool() ? moveType(rng) : null, elements: args(3) } };
    case 5: return { Publish: { modules: mods(), dependencies: deps() } };
    default:
      return { Upgrade: { modules: mods(), dependencies: deps(), package: address(rng, true), ticket: specArg(rng, lim) } };
  }
}

function specTransaction(sdk, rng, sender) {
  const inputs = Array.from({ length: rng.int(7) }, () => specInput(sdk, rng));
  const lim = { valid: rng.int(4) !== 0, inputs: inputs.length, commands: 0 };
  const commands = [];
  for (let n = rng.int(7); n > 0; n--, lim.commands++) commands.push(specCommand(rng, lim));
  const tx = {
    V1: {
      kind: {
        ProgrammableTransaction: {
          inputs,
          commands,
        },
      },
      sender,
      gasData: {
        payment: Array.from({ length: rng.int(4) }, () => objectRef(sdk, rng)),
        owner: rng.bool() ? sender : address(rng),
        price: String(rng.u64nz()),
        budget: String(rng.u64nz()),
      },
      expiration: rng.bool() ? { None: true } : { Epoch: String(rng.bits(53)) },
    },
  };
  return { tx, valid: lim.valid };
}

// Normal form for comparing transaction JSON: no $kind tags, integers as decimal strings,
// addresses long; with sdkTypes, Move type text is put in the SDK's canonical form (only for
// the random descriptions: what both libraries print is compared as printed).
function canon(sdk, v, sdkTypes = false) {
  const type = (s) => sdk.TypeTagSerializer.tagToString(sdk.TypeTagSerializer.parseFromStr(s, true));
  const addr = (s) => `0x${s.slice(2).padStart(64, '0')}`;
  const walk = (x, key) => {
    if (Array.isArray(x)) return x.map((y) => walk(y, key === 'typeArguments' ? 'type' : key));
    if (x !== null && typeof x === 'object') {
      const o = {};
      for (const k of Object.keys(x).sort()) if (k !== '$kind') o[k] = walk(x[k], k);
      return o;
    }
    if (typeof x === 'number' || typeof x === 'bigint') return String(x);
    if (typeof x === 'string' && sdkTypes && key === 'type') return type(x);
    if (typeof x === 'string' && /^(package|objectId|owner|sender|dependencies)$/.test(key)) return addr(x);
    return x;
  };
  return walk(v, '');
}

// ---- the checks ----

const counts = {};
const count = (k, n = 1) => { counts[k] = (counts[k] ?? 0) + n; };

async function checkKeys(sdk, tool, rng, scheme, ctx) {
  const KP = sdk.Keypair[scheme];
  // daas keygen -> SDK
  const d = await tool.ok({ op: 'keygen', scheme });
  ctx.daasKey = d.privkey;
  const parsed = sdk.decodeSuiPrivateKey(d.privkey);
  check(parsed.schema === SDK_SCHEME_NAME[scheme], 'SDK reads another scheme from daas suiprivkey', { d, schema: parsed.schema });
  const dk = KP.fromSecretKey(parsed.secretKey);
  check(dk.getPublicKey().toSuiPublicKey() === d.pubkey, 'public key of daas key differs in SDK', { d, sdk: dk.getPublicKey().toSuiPublicKey() });
  check(dk.toSuiAddress() === d.address, 'address of daas key differs in SDK', { d, sdk: dk.toSuiAddress() });
  check(dk.getSecretKey() === d.privkey, 'SDK re-encodes daas suiprivkey differently', { d });
  check(sdk.publicKeyFromSuiBytes(d.pubkey).toSuiAddress() === d.address, 'SDK address of daas pubkey base64 differs', { d });
  // SDK key -> daas import
  const sk = KP.fromSecretKey(rng.bytes(32));
  ctx.sdkKey = sk.getSecretKey();
  const i = await tool.ok({ op: 'import', privkey: sk.getSecretKey() });
  check(i.pubkey === sk.getPublicKey().toSuiPublicKey() && i.address === sk.toSuiAddress() && i.privkey === sk.getSecretKey(),
    'daas import of SDK key differs', { daas: i, sdk: { pubkey: sk.getPublicKey().toSuiPublicKey(), address: sk.toSuiAddress() } });
  count('keys', 2);
  return { d, dk, sk };
}

function tamperBytes(rng, u8) {
  if (u8.length === 0) return new Uint8Array([rng.int(256)]);
  const t = new Uint8Array(u8);
  t[rng.int(t.length)] ^= 1 << rng.int(8);
  return t;
}

// Flips one bit of the signature part (not the flag, not the public key).
function tamperSig(rng, sig) {
  const raw = unb64(sig);
  raw[1 + rng.int(64)] ^= 1 << rng.int(8);
  return b64(raw);
}

// The same signature with S replaced by n - S (valid ECDSA, but not canonical).
function highS(scheme, sig) {
  const raw = unb64(sig);
  const s = BigInt(`0x${hex(raw.subarray(33, 65))}`);
  raw.set(Buffer.from((CURVE_N[scheme] - s).toString(16).padStart(64, '0'), 'hex'), 33);
  return b64(raw);
}

async function daasRejects(tool, op, sig, key, data) {
  const ans = await tool.call({ op, sig, [key]: b64(data) });
  return ans.ok === false && (ans.code === 'EUNAUTH' || ans.code === 'EINVAL');
}

async function checkPersonal(sdk, tool, rng, scheme, keys, ctx) {
  const { d, dk, sk } = keys;
  const msg = rng.bytes(rng.int(301));
  ctx.msg = hex(msg);
  // daas signs, the SDK verifies
  const sigD = (await tool.ok({ op: 'sign_personal', privkey: d.privkey, msg_b64: b64(msg) })).signature;
  ctx.sigD = sigD;
  const pk = await sdk.verifyPersonalMessageSignature(msg, sigD).catch((e) => e);
  check(!(pk instanceof Error) && pk.toSuiAddress() === d.address, 'SDK rejects daas personal-message signature', { error: pk instanceof Error ? pk.message : null });
  if (scheme !== 'secp256r1') { // deterministic schemes: the very same bytes
    const mine = (await dk.signPersonalMessage(msg)).signature;
    check(mine === sigD, 'daas and SDK personal-message signatures differ', { sdk: mine });
    count('identical signatures');
  }
  // the SDK signs, daas verifies
  const sigS = (await sk.signPersonalMessage(msg)).signature;
  ctx.sigS = sigS;
  const v = await tool.call({ op: 'verify_personal', sig: sigS, msg_b64: b64(msg) });
  check(v.ok && v.address === sk.toSuiAddress(), 'daas rejects SDK personal-message signature', { answer: v });
  count('personal signatures', 2);
  // tampering: both must reject
  const msg2 = tamperBytes(rng, msg);
  check(await rejects(() => sdk.verifyPersonalMessageSignature(msg2, sigD)), 'SDK accepts daas signature over a tampered message', { msg2: hex(msg2) });
  check(await rejects(() => sdk.verifyPersonalMessageSignature(msg, tamperSig(rng, sigD))), 'SDK accepts a tampered daas signature');
  check(await daasRejects(tool, 'verify_personal', sigS, 'msg_b64', msg2), 'daas accepts SDK signature over a tampered message', { msg2: hex(msg2) });
  const badS = tamperSig(rng, sigS);
  check(await daasRejects(tool, 'verify_personal', badS, 'msg_b64', msg), 'daas accepts a tampered SDK signature', { badS });
  // intent scope: a personal-message signature is no transaction signature
  check(await rejects(() => sdk.verifyTransactionSignature(msg, sigD)), 'SDK accepts a daas personal signature as a tx signature');
  check(await daasRejects(tool, 'verify_tx', sigS, 'tx_b64', msg), 'daas accepts an SDK personal signature as a tx signature');
  count('rejections', 6);
  if (scheme !== 'ed25519') {
    const hs = highS(scheme, sigS);
    check(await daasRejects(tool, 'verify_personal', hs, 'msg_b64', msg), 'daas accepts a high-S signature', { hs });
    // secp256k1: the SDK (noble, lowS) rejects too. secp256r1: noble's p256 verify accepts
    // high S, so only daas is checked (sui.h: verification accepts canonical low S only).
    if (scheme === 'secp256k1')
      check(await rejects(() => sdk.verifyPersonalMessageSignature(msg, hs)), 'SDK accepts a high-S secp256k1 signature');
    count('rejections');
  }
}

// daas decodes SDK-built bytes to the SDK's structure and re-encodes them byte for byte.
async function checkSdkTx(sdk, tool, bytes, ctx) {
  const r = await tool.ok({ op: 'tx_roundtrip', tx_b64: b64(bytes) });
  check(r.tx_b64 === b64(bytes), 'daas re-encoding of an SDK transaction differs', { daas: r.tx_b64 });
  const digest = sdk.TransactionDataBuilder.getDigestFromBytes(bytes);
  check(r.digest === digest, 'transaction digests differ', { daas: r.digest, sdk: digest });
  const want = canon(sdk, sdk.bcs.TransactionData.parse(bytes));
  check(isDeepStrictEqual(canon(sdk, r.tx), want), 'daas decodes an SDK transaction to another structure',
    { daas: canon(sdk, r.tx), sdk: want });
  count('SDK-built transactions');
}

// The SDK reads daas-built bytes as the description daas was given, and re-serializes them.
async function checkDaasTx(sdk, tool, rng, sender, ctx) {
  const { tx: spec, valid } = specTransaction(sdk, rng, sender);
  ctx.spec = spec;
  const r = await tool.ok({ op: 'tx_build', tx: spec });
  ctx.tx = r.tx_b64;
  const bytes = unb64(r.tx_b64);
  const parsed = sdk.bcs.TransactionData.parse(bytes);
  check(isDeepStrictEqual(canon(sdk, parsed), canon(sdk, spec, true)), 'SDK parses a daas transaction to another structure',
    { sdk: canon(sdk, parsed), spec: canon(sdk, spec, true) });
  const again = sdk.bcs.TransactionData.serialize(parsed).toBytes();
  check(bytesEqual(again, bytes), 'SDK re-serializes a daas transaction differently', { sdk: b64(again) });
  if (valid) { // Transaction.from resolves every Input index
    const rebuilt = await sdk.Transaction.from(bytes).build();
    check(bytesEqual(rebuilt, bytes), 'Transaction.from(daas bytes).build() differs', { sdk: b64(rebuilt) });
    count('Transaction.from rebuilds');
  }
  const digest = sdk.TransactionDataBuilder.getDigestFromBytes(bytes);
  check(r.digest === digest, 'transaction digests differ', { daas: r.digest, sdk: digest });
  const rt = await tool.ok({ op: 'tx_roundtrip', tx_b64: r.tx_b64 });
  check(rt.tx_b64 === r.tx_b64 && isDeepStrictEqual(canon(sdk, rt.tx), canon(sdk, parsed)), 'daas does not read back its own transaction');
  count('daas-built transactions');
  return { bytes, parsed };
}

// Mutated bytes (a bit flipped, a byte set, inserted or removed): whatever daas accepts, the SDK
// must read as the same structure and re-serialize to the same bytes, and whatever the SDK reads
// canonically daas must accept, but for the exceptions named below.
function mutate(rng, bytes) {
  const b = [...bytes];
  const at = rng.int(b.length + 1);
  switch (rng.int(5)) {
    case 0: case 1: if (at < b.length) b[at] ^= 1 << rng.int(8); else b.push(rng.int(256)); break;
    case 2: if (at < b.length) b[at] = rng.pick([0, 1, 2, 3, 0x7f, 0x80, 0xff, rng.int(256)]); break;
    case 3: b.splice(at, 0, rng.int(256)); break;
    default: b.splice(at, 1);
  }
  return new Uint8Array(b);
}

function sdkReading(sdk, bytes) {
  try {
    const parsed = sdk.bcs.TransactionData.parse(bytes);
    const again = sdk.bcs.TransactionData.serialize(parsed).toBytes();
    return { parsed, canonical: bytesEqual(again, bytes) };
  } catch (e) {
    return { error: e.message };
  }
}

// What @mysten/sui 1.45.2 cannot represent although it is valid BCS: an Epoch past 2^53 (parsed
// into a JS number), SharedObjectMutability::NonExclusiveWrite (parsed as a bool), and type
// tags whose names are no Move identifiers (":", "<", "," inside a name): the SDK keeps types as
// text and cannot read such text back. (Sui's Rust types take any string at this layer too.)
function beyondSdk(sdk, tx) {
  const ptb = tx.V1.kind.ProgrammableTransaction;
  const epoch = tx.V1.expiration.Epoch;
  const textOk = (t) => {
    try {
      return sdk.TypeTagSerializer.tagToString(sdk.TypeTagSerializer.parseFromStr(t, true)) === t;
    } catch {
      return false;
    }
  };
  const types = ptb.commands.flatMap((c) => c.MoveCall?.typeArguments ?? (c.MakeMoveVec?.type ? [c.MakeMoveVec.type] : []));
  return (epoch !== undefined && BigInt(epoch) > BigInt(Number.MAX_SAFE_INTEGER)) ||
    ptb.inputs.some((i) => typeof i.Object?.SharedObject?.mutable === 'number') ||
    !types.every(textOk);
}

async function checkMutations(sdk, tool, rng, bytes, ctx) {
  for (let k = 0; k < 4; k++) {
    const m = mutate(rng, bytes);
    ctx.mutated = b64(m);
    const r = await tool.call({ op: 'tx_roundtrip', tx_b64: b64(m) });
    const s = sdkReading(sdk, m);
    if (r.ok && beyondSdk(sdk, r.tx)) {
      count('mutations beyond SDK 1.45.2');
    } else if (r.ok) {
      check(s.parsed && s.canonical, 'daas accepts transaction bytes the SDK does not read back', { daas: r, sdk: s.error });
      check(r.tx_b64 === b64(m), 'daas re-encodes mutated bytes differently', { daas: r.tx_b64 });
      check(isDeepStrictEqual(canon(sdk, r.tx), canon(sdk, s.parsed)), 'daas and the SDK read mutated bytes differently',
        { daas: canon(sdk, r.tx), sdk: canon(sdk, s.parsed) });
      count('mutations both accept');
    } else if (s.parsed && s.canonical) {
      // daas keeps strings NUL-free (no Move identifier holds NUL), enforces the protocol
      // limits (identifier length, type depth) and models only programmable transactions;
      // anything else the SDK reads, daas must read too.
      const why = s.parsed.V1?.kind?.$kind !== 'ProgrammableTransaction' ? 'not a PTB'
        : /holds NUL/.test(r.error) && JSON.stringify(s.parsed).includes('\\u0000') ? 'NUL in a string'
          : /exceeds limit|nested deeper/.test(r.error) ? 'protocol limit' : null;
      check(why !== null, 'daas rejects transaction bytes the SDK reads canonically', { daas: r, sdk: canon(sdk, s.parsed) });
      count(`mutations only daas rejects (${why})`);
    } else {
      count('mutations both reject');
    }
  }
  delete ctx.mutated;
}

async function checkTxSignatures(sdk, tool, rng, scheme, keys, bytes, parsed, ctx) {
  const { d, dk, sk } = keys;
  const sigD = (await tool.ok({ op: 'sign_tx', privkey: d.privkey, tx_b64: b64(bytes) })).signature;
  ctx.txSigD = sigD;
  const pk = await sdk.verifyTransactionSignature(bytes, sigD, { address: d.address }).catch((e) => e);
  check(!(pk instanceof Error) && pk.toSuiAddress() === d.address, 'SDK rejects daas transaction signature', { error: pk instanceof Error ? pk.message : null });
  if (scheme !== 'secp256r1') {
    const mine = (await dk.signTransaction(bytes)).signature;
    check(mine === sigD, 'daas and SDK transaction signatures differ', { sdk: mine });
    count('identical signatures');
  }
  const sigS = (await sk.signTransaction(bytes)).signature;
  ctx.txSigS = sigS;
  const v = await tool.call({ op: 'verify_tx', sig: sigS, tx_b64: b64(bytes) });
  check(v.ok && v.address === sk.toSuiAddress(), 'daas rejects SDK transaction signature', { answer: v });
  const bad = tamperBytes(rng, bytes);
  check(await rejects(() => sdk.verifyTransactionSignature(bad, sigD)), 'SDK accepts daas tx signature over tampered bytes');
  check(await daasRejects(tool, 'verify_tx', sigS, 'tx_b64', bad), 'daas accepts SDK tx signature over tampered bytes');
  check(await daasRejects(tool, 'verify_personal', sigS, 'msg_b64', bytes), 'daas accepts an SDK tx signature as a personal one');
  count('transaction signatures', 2);
  count('rejections', 3);
  // SenderSignedData with both signatures
  const ssd = await tool.ok({ op: 'sender_signed', tx_b64: b64(bytes), sigs: [sigD, sigS] });
  const want = sdk.bcs.SenderSignedData.serialize([{
    intentMessage: { intent: { scope: { TransactionData: true }, version: { V0: true }, appId: { Sui: true } }, value: parsed },
    txSignatures: [sigD, sigS],
  }]).toBytes();
  check(ssd.bytes_b64 === b64(want), 'SenderSignedData differs', { daas: ssd.bytes_b64, sdk: b64(want) });
  count('SenderSignedData');
}

async function iteration(sdk, tool, rng, scheme, ctx) {
  ctx.step = 'keys';
  const keys = await checkKeys(sdk, tool, rng, scheme, ctx);
  ctx.step = 'personal messages';
  await checkPersonal(sdk, tool, rng, scheme, keys, ctx);
  ctx.step = 'SDK-built transaction';
  const tx = sdkTransaction(sdk, rng, rng.bool() ? keys.d.address : keys.sk.toSuiAddress());
  const sdkBytes = await tx.build();
  ctx.tx = b64(sdkBytes);
  await checkSdkTx(sdk, tool, sdkBytes, ctx);
  await checkMutations(sdk, tool, rng, sdkBytes, ctx);
  ctx.step = 'transaction signatures (SDK-built)';
  await checkTxSignatures(sdk, tool, rng, scheme, keys, sdkBytes, sdk.bcs.TransactionData.parse(sdkBytes), ctx);
  ctx.step = 'daas-built transaction';
  const built = await checkDaasTx(sdk, tool, rng, rng.bool() ? keys.d.address : keys.sk.toSuiAddress(), ctx);
  await checkMutations(sdk, tool, rng, built.bytes, ctx);
  ctx.step = 'transaction signatures (daas-built)';
  await checkTxSignatures(sdk, tool, rng, scheme, keys, built.bytes, built.parsed, ctx);
}

async function main() {
  const toolPath = process.argv[2];
  if (!toolPath) die('usage: node sui_interop.mjs <path to sui_tool>');
  if (!existsSync(toolPath)) die(`${toolPath}: no such file (build the sui_tool target)`);
  const sdk = await loadSdk();
  const seedHex = process.env.DAAS_INTEROP_SEED || randomBytes(16).toString('hex');
  const n = Number(process.env.DAAS_INTEROP_N || 30);
  const rng = new Rng(Buffer.from(seedHex, 'hex'));
  const tool = new Tool(toolPath);
  const started = Date.now();
  const ctx = {};
  try {
    for (const scheme of SCHEMES) {
      for (let i = 0; i < n; i++) {
        for (const k of Object.keys(ctx)) delete ctx[k];
        Object.assign(ctx, { scheme, iteration: i });
        await iteration(sdk, tool, rng, scheme, ctx);
      }
    }
  } catch (e) {
    const details = e instanceof Mismatch ? e.details : { stack: e.stack };
    console.error(`sui_interop: FAIL: ${e.message}`);
    console.error(`  reproduce: DAAS_INTEROP_SEED=${seedHex} DAAS_INTEROP_N=${n} node ${process.argv[1]} ${toolPath}`);
    console.error(`  context: ${JSON.stringify(ctx, null, 1)}`);
    console.error(`  details: ${JSON.stringify(details, (k, v) => (typeof v === 'bigint' ? String(v) : v), 1)}`);
    await tool.close();
    process.exit(1);
  }
  if (!(await tool.close())) die(`sui_tool ended badly (${tool.status}); see its stderr above`);
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  const summary = Object.entries(counts).map(([k, v]) => `${v} ${k}`).join(', ');
  console.log(`sui_interop: OK with @mysten/sui ${sdk.version}, ${n} iterations x ${SCHEMES.length} schemes ` +
    `(seed ${seedHex}, ${secs}s): ${summary}`);
}

await main();
