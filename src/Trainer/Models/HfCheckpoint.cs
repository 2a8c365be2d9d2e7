using Distributed.Trainer.Checkpoint;
using Distributed.Trainer.Nn;
using Distributed.Trainer.Torch;

namespace Distributed.Trainer.Models;

/// <summary>
/// Hugging Face model directories: config.json plus model.safetensors, or shards with
/// model.safetensors.index.json. Loads OPT and Llama into our modules and saves them back in HF's layout
/// (a tied output layer is not stored, as transformers does).
/// </summary>
public static class HfCheckpoint
{
    public const string ConfigFileName = "config.json";

    public static Opt LoadOpt(string directory, Generator? generator = null)
    {
        var config = HfConfigFile.LoadOpt(Path.Combine(directory, ConfigFileName));
        var model = new Opt(config, generator);
        LoadWeights(model, directory, OptHfMap.Map, config.TieWordEmbeddings);
        return model;
    }

    public static Llama LoadLlama(string directory, Generator? generator = null)
    {
        var config = HfConfigFile.LoadLlama(Path.Combine(directory, ConfigFileName));
        var model = new Llama(config, generator);
        LoadWeights(model, directory, LlamaHfMap.Map, config.TieWordEmbeddings);
        return model;
    }

    /// <summary>The model type named in a directory's config.json ("opt", "llama", ...).</summary>
    public static string ModelType(string directory) => HfConfigFile.ReadModelType(Path.Combine(directory, ConfigFileName));

    public static void Save(Opt model, string directory, long? maxShardBytes = null)
    {
        Directory.CreateDirectory(directory);
        SaveWeights(model, directory, OptHfMap.Map, maxShardBytes);
        HfConfigFile.Save(Path.Combine(directory, ConfigFileName), model.Config);
    }

    public static void Save(Llama model, string directory, long? maxShardBytes = null)
    {
        Directory.CreateDirectory(directory);
        SaveWeights(model, directory, LlamaHfMap.Map, maxShardBytes);
        HfConfigFile.Save(Path.Combine(directory, ConfigFileName), model.Config);
    }

    private static void LoadWeights(Module model, string directory, HfNameMap map, bool tied)
    {
        using var source = SafetensorsCheckpoint.Open(directory);
        // A tied output layer may still be stored by other writers: accept and ignore it.
        TensorFiles.LoadInto(model, source, name => name.Contains(".lora.", StringComparison.Ordinal) ? null : map.ToHf(name),
            tied ? ["lm_head.weight"] : null);
    }

    private static void SaveWeights(Module model, string directory, HfNameMap map, long? maxShardBytes)
    {
        var writer = new SafetensorsWriter();
        writer.Metadata["format"] = "pt";
        // LoRA adapters are not part of the HF layout: their owner saves them (see JobRunner).
        foreach (var (name, p) in model.NamedParameters().Where(x => !x.Name.Contains(".lora.", StringComparison.Ordinal)))
            TensorFiles.Add(writer, map.ToHf(name), p.Data);
        if (maxShardBytes is { } max) writer.WriteSharded(directory, max);
        else writer.Write(Path.Combine(directory, SafetensorsCheckpoint.SingleFileName));
    }
}
