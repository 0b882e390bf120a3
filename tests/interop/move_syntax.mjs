// move_syntax.mjs: parses every Move file given on the command line with the Move 2024
// tree-sitter grammar that Mysten ships in @mysten/prettier-plugin-move (pinned in
// package.json), and fails on any ERROR or MISSING node. No Sui CLI installs here, so this is
// the syntax gate CI can run on move/; compiling and `sui move test` need the Sui CLI
// (move/README.md, "Building and publishing").
// Usage: node move_syntax.mjs FILE.move...
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
let Parser;
try {
  Parser = require('web-tree-sitter');
} catch {
  console.error('move_syntax: node_modules is missing: run scripts/install-npm.sh');
  process.exit(1);
}

function errors(parser, src) {
  const out = [];
  const walk = (n) => {
    if (n.type === 'ERROR' || n.isMissing())
      out.push(`${n.isMissing() ? 'missing ' + n.type : 'syntax error'} at ` +
        `${n.startPosition.row + 1}:${n.startPosition.column + 1}: ` +
        src.slice(n.startIndex, Math.min(n.endIndex, n.startIndex + 60)).replace(/\n/g, ' '));
    for (let i = 0; i < n.childCount; i++) walk(n.child(i));
  };
  walk(parser.parse(src).rootNode);
  return out;
}

await Parser.init();
const lang = await Parser.Language.load(
  require.resolve('@mysten/prettier-plugin-move/tree-sitter-move.wasm'));
const parser = new Parser();
parser.setLanguage(lang);

// The gate must be able to fail: a broken module is refused.
const broken = 'module daas::x; public fun f(: u64 { abort 0 }';
if (errors(parser, broken).length === 0) {
  console.error('move_syntax: the grammar accepted a broken module; the check is not working');
  process.exit(1);
}
const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: node move_syntax.mjs FILE.move...');
  process.exit(2);
}
let bad = 0;
for (const f of files) {
  const errs = errors(parser, readFileSync(f, 'utf8'));
  for (const e of errs) console.error(`${f}: ${e}`);
  bad += errs.length;
}
console.log(`move_syntax: ${files.length} files, ${bad} syntax errors`);
process.exit(bad ? 1 : 0);
