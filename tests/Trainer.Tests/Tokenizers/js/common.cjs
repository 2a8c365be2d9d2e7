// Resolves the reference packages that infra/setup.d/40-npm-tokenizers.sh installs under artifacts/npm.
const path = require('path');
const { createRequire } = require('module');
const npmRoot = process.env.NPM_TOKENIZERS || path.resolve(__dirname, '../../../../artifacts/npm');
const requireNpm = createRequire(path.join(npmRoot, 'package.json'));
const llamaPath = path.join(npmRoot, 'node_modules/llama-tokenizer-js/llama-tokenizer.js');
module.exports = { npmRoot, requireNpm, llamaPath };
