namespace Distributed.Trainer.Models;

/// <summary>Our Llama parameter names against Hugging Face's LlamaForCausalLM names, one row per tensor kind.</summary>
public static class LlamaHfMap
{
    private static readonly (string Ours, string Hf)[] Table =
    [
        ("embed.weight", "model.embed_tokens.weight"),
        ("layers.{i}.attn_norm.weight", "model.layers.{i}.input_layernorm.weight"),
        ("layers.{i}.attn.q.weight", "model.layers.{i}.self_attn.q_proj.weight"),
        ("layers.{i}.attn.q.bias", "model.layers.{i}.self_attn.q_proj.bias"),
        ("layers.{i}.attn.k.weight", "model.layers.{i}.self_attn.k_proj.weight"),
        ("layers.{i}.attn.k.bias", "model.layers.{i}.self_attn.k_proj.bias"),
        ("layers.{i}.attn.v.weight", "model.layers.{i}.self_attn.v_proj.weight"),
        ("layers.{i}.attn.v.bias", "model.layers.{i}.self_attn.v_proj.bias"),
        ("layers.{i}.attn.o.weight", "model.layers.{i}.self_attn.o_proj.weight"),
        ("layers.{i}.attn.o.bias", "model.layers.{i}.self_attn.o_proj.bias"),
        ("layers.{i}.mlp_norm.weight", "model.layers.{i}.post_attention_layernorm.weight"),
        ("layers.{i}.mlp.gate.weight", "model.layers.{i}.mlp.gate_proj.weight"),
        ("layers.{i}.mlp.gate.bias", "model.layers.{i}.mlp.gate_proj.bias"),
        ("layers.{i}.mlp.up.weight", "model.layers.{i}.mlp.up_proj.weight"),
        ("layers.{i}.mlp.up.bias", "model.layers.{i}.mlp.up_proj.bias"),
        ("layers.{i}.mlp.down.weight", "model.layers.{i}.mlp.down_proj.weight"),
        ("layers.{i}.mlp.down.bias", "model.layers.{i}.mlp.down_proj.bias"),
        ("norm.weight", "model.norm.weight"),
        ("head.weight", "lm_head.weight"),
    ];

    public static HfNameMap Map { get; } = new(Table);
}
