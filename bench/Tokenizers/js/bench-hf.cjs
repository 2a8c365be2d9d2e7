// Hugging Face's tokenizers (npm `tokenizers`, the Rust library) on the documents of the JSON array in argv[3],
// loaded from the tokenizer.json argv[2]: the whole list through encodeBatch (Rust splits it over rayon's pool,
// RAYON_NUM_THREADS threads), one warm-up pass, then argv[4] timed passes; argv[5] "special" adds special tokens.
// Prints {mbPerSecond, tokens, threads} with the median pass.
const fs = require('fs');
const path = require('path');
const { requireNpm } = require(path.resolve(__dirname, '../../../tests/Trainer.Tests/Tokenizers/js/common.cjs'));

async function main() {
  const { Tokenizer } = requireNpm('tokenizers');
  const tokenizer = Tokenizer.fromFile(process.argv[2]);
  const docs = JSON.parse(fs.readFileSync(process.argv[3], 'utf8'));
  const runs = Number.parseInt(process.argv[4] || '5', 10);
  const options = { addSpecialTokens: process.argv[5] === 'special' };
  const bytes = docs.reduce((n, d) => n + Buffer.byteLength(d, 'utf8'), 0);
  const times = [];
  let encodings = [];
  for (let r = 0; r <= runs; r++) {
    const start = process.hrtime.bigint();
    encodings = await tokenizer.encodeBatch(docs, options);
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    if (r > 0) times.push(seconds);
  }
  times.sort((a, b) => a - b);
  const tokens = encodings.reduce((n, e) => n + e.getLength(), 0);
  process.stdout.write(JSON.stringify({
    mbPerSecond: bytes / 1e6 / times[Math.floor(times.length / 2)], tokens, threads: process.env.RAYON_NUM_THREADS || 'all',
  }));
}

main().catch((e) => { console.error(e); process.exit(1); });
