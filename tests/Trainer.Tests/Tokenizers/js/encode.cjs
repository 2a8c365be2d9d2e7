// Encodes each string of the JSON array in argv[3] with the reference tokenizer argv[2]
// (gpt-3-encoder | llama-tokenizer-js | js-tiktoken-cl100k | js-tiktoken-gpt2) and prints a JSON array of id arrays.
const fs = require('fs');
const { pathToFileURL } = require('url');
const { requireNpm, llamaPath } = require('./common.cjs');

async function encoderFor(name) {
  switch (name) {
    case 'gpt-3-encoder': return requireNpm('gpt-3-encoder').encode;
    case 'llama-tokenizer-js': {
      const llama = (await import(pathToFileURL(llamaPath).href)).default;
      return (t) => llama.encode(t);
    }
    case 'js-tiktoken-cl100k': { const e = requireNpm('js-tiktoken').getEncoding('cl100k_base'); return (t) => e.encode(t); }
    case 'js-tiktoken-gpt2': { const e = requireNpm('js-tiktoken').getEncoding('gpt2'); return (t) => e.encode(t); }
    default: throw new Error(`unknown reference tokenizer ${name}`);
  }
}

async function main() {
  const encode = await encoderFor(process.argv[2]);
  const texts = JSON.parse(fs.readFileSync(process.argv[3], 'utf8'));
  process.stdout.write(JSON.stringify(texts.map((t) => Array.from(encode(t)))));
}

main().catch((e) => { console.error(e); process.exit(1); });
