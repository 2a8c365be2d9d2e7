// Encode throughput of the npm reference tokenizers on the documents of the JSON array in argv[2]:
// one warm-up pass, then argv[3] timed passes; prints {name: {mbPerSecond, tokens}} with the median pass.
const fs = require('fs');
const path = require('path');
const { pathToFileURL } = require('url');
const { requireNpm, llamaPath } = require(path.resolve(__dirname, '../../../tests/Trainer.Tests/Tokenizers/js/common.cjs'));

async function main() {
  const docs = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  const runs = Number.parseInt(process.argv[3] || '5', 10);
  const bytes = docs.reduce((n, d) => n + Buffer.byteLength(d, 'utf8'), 0);
  const tiktoken = requireNpm('js-tiktoken');
  const cl100k = tiktoken.getEncoding('cl100k_base');
  const gpt2 = tiktoken.getEncoding('gpt2');
  const llama = (await import(pathToFileURL(llamaPath).href)).default;
  const encoders = {
    'gpt-3-encoder': requireNpm('gpt-3-encoder').encode,
    'js-tiktoken gpt2': (t) => gpt2.encode(t),
    'js-tiktoken cl100k_base': (t) => cl100k.encode(t),
    'llama-tokenizer-js': (t) => llama.encode(t),
  };
  const results = {};
  for (const [name, encode] of Object.entries(encoders)) {
    let tokens = 0;
    const times = [];
    for (let r = 0; r <= runs; r++) {
      const start = process.hrtime.bigint();
      tokens = 0;
      for (const d of docs) tokens += encode(d).length;
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      if (r > 0) times.push(seconds);
    }
    times.sort((a, b) => a - b);
    results[name] = { mbPerSecond: bytes / 1e6 / times[Math.floor(times.length / 2)], tokens };
  }
  process.stdout.write(JSON.stringify(results));
}

main().catch((e) => { console.error(e); process.exit(1); });
