using System.Text;
using Distributed.Trainer.Data;
using Distributed.Trainer.Torch;
using Distributed.Trainer.Training;
using Distributed.Trainer.Training.Checkpoints;

namespace Distributed.Checkpoints.TestHost;

/// <summary>
/// A training snapshot of Llama-shaped tensors with seeded random values, built without libtorch: the same bytes
/// in every process for the same (step, scale), so a test and a writer process agree on a checkpoint's content.
/// </summary>
public static class SyntheticSnapshot
{
    public static TrainingSnapshot Create(long step, int scale = 1)
    {
        var random = new Random(unchecked((int)step * 7919) + scale);
        HostTensor Tensor(string name, params long[] shape)
        {
            var bytes = new byte[shape.Aggregate(4L, (a, b) => a * b)];
            random.NextBytes(bytes);
            return new HostTensor(name, DType.Float32, shape, bytes);
        }
        var hidden = 32 * scale;
        var model = new List<HostTensor> { Tensor("model.embed_tokens.weight", 256, hidden) };
        for (var layer = 0; layer < 2; layer++)
        {
            foreach (var proj in new[] { "q_proj", "k_proj", "v_proj", "o_proj" })
                model.Add(Tensor($"model.layers.{layer}.self_attn.{proj}.weight", hidden, hidden));
            foreach (var proj in new[] { "gate_proj", "up_proj" })
                model.Add(Tensor($"model.layers.{layer}.mlp.{proj}.weight", 2 * hidden, hidden));
            model.Add(Tensor($"model.layers.{layer}.mlp.down_proj.weight", hidden, 2 * hidden));
            model.Add(Tensor($"model.layers.{layer}.input_layernorm.weight", hidden));
        }
        model.Add(Tensor("model.norm.weight", hidden));
        var objective = new List<HostTensor> { Tensor("summary_embeddings", 4, hidden) };
        var optimizer = model.Concat(objective)
            .SelectMany(t => new[] { Tensor(TrainingSnapshot.ExpAvg + t.Name, t.Shape), Tensor(TrainingSnapshot.ExpAvgSq + t.Name, t.Shape) })
            .ToList();
        var job = new JobFile { Objective = "lm", Steps = 1000, Seed = 3 };
        return new TrainingSnapshot(job, step, new DataCursor("synthetic", 3, 0, step * 8), "llama",
            Encoding.UTF8.GetBytes("""{"model_type": "llama"}"""), model, objective, optimizer);
    }
}
