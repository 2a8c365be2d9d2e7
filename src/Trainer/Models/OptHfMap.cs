namespace Distributed.Trainer.Models;

/// <summary>Our OPT parameter names against Hugging Face's OPTForCausalLM names, one row per tensor kind.</summary>
public static class OptHfMap
{
    private static readonly (string Ours, string Hf)[] Table =
    [
        ("embed.weight", "model.decoder.embed_tokens.weight"),
        ("positions.weight", "model.decoder.embed_positions.weight"),
        ("project_in.weight", "model.decoder.project_in.weight"),
        ("project_out.weight", "model.decoder.project_out.weight"),
        ("layers.{i}.attn.q.weight", "model.decoder.layers.{i}.self_attn.q_proj.weight"),
        ("layers.{i}.attn.q.bias", "model.decoder.layers.{i}.self_attn.q_proj.bias"),
        ("layers.{i}.attn.k.weight", "model.decoder.layers.{i}.self_attn.k_proj.weight"),
        ("layers.{i}.attn.k.bias", "model.decoder.layers.{i}.self_attn.k_proj.bias"),
        ("layers.{i}.attn.v.weight", "model.decoder.layers.{i}.self_attn.v_proj.weight"),
        ("layers.{i}.attn.v.bias", "model.decoder.layers.{i}.self_attn.v_proj.bias"),
        ("layers.{i}.attn.o.weight", "model.decoder.layers.{i}.self_attn.out_proj.weight"),
        ("layers.{i}.attn.o.bias", "model.decoder.layers.{i}.self_attn.out_proj.bias"),
        ("layers.{i}.attn_norm.weight", "model.decoder.layers.{i}.self_attn_layer_norm.weight"),
        ("layers.{i}.attn_norm.bias", "model.decoder.layers.{i}.self_attn_layer_norm.bias"),
        ("layers.{i}.mlp.fc1.weight", "model.decoder.layers.{i}.fc1.weight"),
        ("layers.{i}.mlp.fc1.bias", "model.decoder.layers.{i}.fc1.bias"),
        ("layers.{i}.mlp.fc2.weight", "model.decoder.layers.{i}.fc2.weight"),
        ("layers.{i}.mlp.fc2.bias", "model.decoder.layers.{i}.fc2.bias"),
        ("layers.{i}.mlp_norm.weight", "model.decoder.layers.{i}.final_layer_norm.weight"),
        ("layers.{i}.mlp_norm.bias", "model.decoder.layers.{i}.final_layer_norm.bias"),
        ("norm.weight", "model.decoder.final_layer_norm.weight"),
        ("norm.bias", "model.decoder.final_layer_norm.bias"),
        ("head.weight", "lm_head.weight"),
    ];

    public static HfNameMap Map { get; } = new(Table);
}
