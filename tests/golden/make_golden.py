"""Writes Hugging Face reference dumps that our loader is checked against (run where transformers is).

For each config: a random-initialised model saved with save_pretrained (config.json + model.safetensors),
and beside it golden.safetensors with input_ids, the float32 logits, the next-token loss and the gradient
of every parameter (grad.<HF name>) after backward of that loss. Small configs are committed under
tests/Trainer.Tests/Golden for the CPU tests; real-width ones are checked on the GPU host and not kept.

Usage: python3 make_golden.py OUT_DIR [--real]
"""
import copy, os, sys
import torch
from safetensors.torch import save_file
from transformers import LlamaConfig, LlamaForCausalLM, OPTConfig, OPTForCausalLM

SMALL = {
    "opt-tiny": ("opt", dict(vocab_size=96, hidden_size=32, num_hidden_layers=2, ffn_dim=64, num_attention_heads=4,
                             max_position_embeddings=64, word_embed_proj_dim=32, do_layer_norm_before=True)),
    "opt-tiny-postln-proj": ("opt", dict(vocab_size=96, hidden_size=32, num_hidden_layers=2, ffn_dim=48,
                                         num_attention_heads=2, max_position_embeddings=64, word_embed_proj_dim=16,
                                         do_layer_norm_before=False)),
    "llama-tiny-gqa": ("llama", dict(vocab_size=96, hidden_size=32, intermediate_size=48, num_hidden_layers=2,
                                     num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=64,
                                     rope_theta=10000.0, rms_norm_eps=1e-6)),
    "llama-tiny-tied": ("llama", dict(vocab_size=96, hidden_size=32, intermediate_size=40, num_hidden_layers=1,
                                      num_attention_heads=2, max_position_embeddings=64, tie_word_embeddings=True,
                                      rope_theta=500000.0, rms_norm_eps=1e-5)),
}
REAL = {
    # OPT-125m's shapes, random weights (no hub access on the GPU host).
    "opt-125m": ("opt", dict(vocab_size=50272, hidden_size=768, num_hidden_layers=12, ffn_dim=3072,
                             num_attention_heads=12, max_position_embeddings=2048, word_embed_proj_dim=768,
                             do_layer_norm_before=True)),
    # Llama at real widths with grouped-query attention (Llama-3-8B-like layer, 2 layers).
    "llama-gqa-real": ("llama", dict(vocab_size=32000, hidden_size=4096, intermediate_size=14336, num_hidden_layers=2,
                                     num_attention_heads=32, num_key_value_heads=8, max_position_embeddings=4096,
                                     rope_theta=500000.0, rms_norm_eps=1e-5)),
}


def dump(out, name, family, kwargs, batch, length, device):
    torch.manual_seed(0)
    if family == "opt":
        cfg = OPTConfig(dropout=0.0, attention_dropout=0.0, **kwargs)
        model = OPTForCausalLM(cfg)
    else:
        cfg = LlamaConfig(attention_dropout=0.0, **kwargs)
        model = LlamaForCausalLM(cfg)
    model = model.float().eval()
    path = os.path.join(out, name)
    model.save_pretrained(path, safe_serialization=True)
    half = copy.deepcopy(model).to(device, torch.bfloat16) if "--bf16-yardstick" in sys.argv else None
    model = model.to(device)
    ids = torch.randint(0, cfg.vocab_size, (batch, length), generator=torch.Generator().manual_seed(1)).to(device)
    logits = model(input_ids=ids).logits
    v = logits.shape[-1]
    loss = torch.nn.functional.cross_entropy(logits[:, :-1].reshape(-1, v).float(), ids[:, 1:].reshape(-1))
    loss.backward()
    tensors = {"input_ids": ids.cpu(), "logits": logits.detach().float().cpu().contiguous(), "loss": loss.detach().cpu()}
    for n, p in model.named_parameters():
        tensors["grad." + n] = p.grad.detach().float().cpu().contiguous()
    if half is not None:
        # How far transformers' own bf16 run is from its fp32 run: the yardstick for our bf16 gradients
        # (the same floor of 1e-3 of the whole gradient's norm as ReferenceCheck uses).
        hl = half(input_ids=ids).logits
        torch.nn.functional.cross_entropy(hl[:, :-1].reshape(-1, v).float(), ids[:, 1:].reshape(-1)).backward()
        ref = dict(model.named_parameters())
        floor = 1e-3 * torch.sqrt(sum((p.grad.double() ** 2).sum() for p in model.parameters()))
        worst = max((hp.grad.double() - ref[n].grad.double()).norm() / torch.maximum(ref[n].grad.double().norm(), floor)
                    for n, hp in half.named_parameters())
        tensors["hf_bf16_grad_error"] = worst.reshape(1).cpu()
        tensors["hf_bf16_logits_error"] = ((hl.double() - logits.double()).norm() / logits.double().norm()).reshape(1).cpu()
        print(f"{name}: transformers bf16 vs fp32: logits {tensors['hf_bf16_logits_error'].item():.2e}, worst grad {worst.item():.2e}")
    save_file(tensors, os.path.join(path, "golden.safetensors"))
    print(f"{name}: loss {loss.item():.6f}, {sum(p.numel() for p in model.parameters())} parameters")


if __name__ == "__main__":
    out = sys.argv[1]
    device = "cuda" if torch.cuda.is_available() else "cpu"
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    for name, (family, kwargs) in SMALL.items():
        dump(out, name, family, kwargs, batch=2, length=12, device=device)
    if "--real" in sys.argv:
        for name, (family, kwargs) in REAL.items():
            dump(out, name, family, kwargs, batch=2, length=256, device=device)
