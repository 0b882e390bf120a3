// sdk.mjs: loads the reference Seal SDK (@mysten/seal, pinned in package.json next to this file)
// offline, for seal_interop.mjs and bench/seal/sdk_bench.mjs.
//
// SealClient needs a Sui node to read key-server objects; these machines have none, so the
// modules it uses underneath are imported from the package's dist/ folder directly (see
// specs/seal.md, Appendix "driving @mysten/seal offline"). A missing or wrong install throws
// (the callers fail, they never skip): run scripts/install-npm.sh.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const HERE = dirname(fileURLToPath(import.meta.url));
const PINS = JSON.parse(readFileSync(join(HERE, 'package.json'), 'utf8')).dependencies;

function installed(name) {
  const pkg = join(HERE, 'node_modules', ...name.split('/'), 'package.json');
  if (!existsSync(pkg))
    throw new Error(`${pkg} is missing: run scripts/install-npm.sh (npm ci --prefix tests/interop/seal)`);
  const version = JSON.parse(readFileSync(pkg, 'utf8')).version;
  if (version !== PINS[name])
    throw new Error(`${name} ${version} is installed, package.json pins ${PINS[name]}: run scripts/install-npm.sh`);
  return version;
}

// Returns the SDK's functions and classes, and noble's bls12_381 (an independent path to keys).
export async function loadSdk() {
  const version = installed('@mysten/seal');
  installed('@mysten/sui');
  installed('@noble/curves');
  const dist = join(HERE, 'node_modules', '@mysten', 'seal', 'dist');
  const imp = (f) => import(pathToFileURL(join(dist, f)).href);
  const [root, enc, dec, dem, bls, ibe, kdf, noble] = await Promise.all([
    imp('index.mjs'), imp('encrypt.mjs'), imp('decrypt.mjs'), imp('dem.mjs'), imp('bls12381.mjs'),
    imp('ibe.mjs'), imp('kdf.mjs'),
    import(pathToFileURL(join(HERE, 'node_modules', '@noble', 'curves', 'bls12-381.js')).href),
  ]);
  return {
    version,
    EncryptedObject: root.EncryptedObject,
    encrypt: enc.encrypt,
    KemType: enc.KemType,
    decrypt: dec.decrypt,
    AesGcm256: dem.AesGcm256,
    Hmac256Ctr: dem.Hmac256Ctr,
    G1Element: bls.G1Element,
    G2Element: bls.G2Element,
    Scalar: bls.Scalar,
    BonehFranklinBLS12381Services: ibe.BonehFranklinBLS12381Services,
    hashToG1: kdf.hashToG1,
    bls12_381: noble.bls12_381,
  };
}

export const toHex = (b) => Buffer.from(b).toString('hex');
export const fromHex = (h) => new Uint8Array(Buffer.from(h.replace(/^0x/, ''), 'hex'));

// A key server made fresh: random object id, random master key, pk and the usk function.
export function makeServer(sdk, randomBytes) {
  const msk = sdk.Scalar.random();
  const pk = sdk.G2Element.generator().multiply(msk);
  return {
    objectId: '0x' + toHex(randomBytes(32)),
    mskHex: toHex(msk.toBytes()),
    msk,
    pk,
    pkHex: toHex(pk.toBytes()),
    // usk = msk·H(package_id || id), a G1Element
    usk: (packageId, idHex) => sdk.hashToG1(fromHex(toHex(fromHex(packageId)) + idHex)).multiply(msk),
  };
}

// The SDK's key map for decrypt(): "<full id hex>:<object id>" -> G1Element.
export function keyMap(packageId, idHex, entries) {
  const full = toHex(fromHex(packageId)) + idHex;
  const m = new Map();
  for (const [objectId, usk] of entries) m.set(`${full}:${objectId}`, usk);
  return m;
}
