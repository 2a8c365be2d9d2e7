// Encodes each string of the JSON array in argv[3] with Hugging Face's tokenizers (the Rust library, npm
// `tokenizers`) loaded from the tokenizer.json argv[2], through encodeBatch; argv[4] "special" adds the
// post-processor's special tokens. Prints a JSON array of id arrays.
const fs = require('fs');
const { requireNpm } = require('./common.cjs');

async function main() {
  const { Tokenizer } = requireNpm('tokenizers');
  const tokenizer = Tokenizer.fromFile(process.argv[2]);
  const texts = JSON.parse(fs.readFileSync(process.argv[3], 'utf8'));
  const encodings = await tokenizer.encodeBatch(texts, { addSpecialTokens: process.argv[4] === 'special' });
  process.stdout.write(JSON.stringify(encodings.map((e) => e.getIds())));
}

main().catch((e) => { console.error(e); process.exit(1); });
