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

    /// <summary>The model a directory's config.json describes (OPT or Llama), with its weights.</summary>
    public static CausalLm Load(string directory, Generator? generator = null)
    {
        var type = ModelType(directory);
        return type switch
        {
            OptConfig.ModelTypeName => LoadOpt(directory, generator),
            LlamaConfig.ModelTypeName => LoadLlama(directory, generator),
            _ => throw new NotSupportedException($"{directory}: model_type '{type}' is not one we train (opt, llama)"),
        };
    }

    public static Opt LoadOpt(string directory, Generator? generator = null)
    {
        var config = HfConfigFile.LoadOpt(Path.Combine(directory, ConfigFileName));
        Opt model;
        using (ParameterInit.Skip()) model = new Opt(config, generator); // every weight is read from the files next (or the load throws)
        LoadInto(model, directory, config.TieWordEmbeddings);
        return model;
    }

    public static Llama LoadLlama(string directory, Generator? generator = null)
    {
        var config = HfConfigFile.LoadLlama(Path.Combine(directory, ConfigFileName));
        Llama model;
        using (ParameterInit.Skip()) model = new Llama(config, generator); // every weight is read from the files next (or the load throws)
        LoadInto(model, directory, config.TieWordEmbeddings);
        return model;
    }

    /// <summary>The model type named in a directory's config.json ("opt", "llama", ...).</summary>
    public static string ModelType(string directory) => HfConfigFile.ReadModelType(Path.Combine(directory, ConfigFileName));

    public static void Save(CausalLm model, string directory, long? maxShardBytes = null)
    {
        Directory.CreateDirectory(directory);
        var writer = Weights(model);
        if (maxShardBytes is { } max) writer.WriteSharded(directory, max);
        else writer.Write(Path.Combine(directory, SafetensorsCheckpoint.SingleFileName));
        var config = model.ConfigJson();
        AtomicFile.Write(Path.Combine(directory, ConfigFileName), s => s.Write(config));
    }

    /// <summary>
    /// The model's weights under Hugging Face names, queued in a writer (bytes are read when it writes). LoRA
    /// adapters are not part of the HF layout: their owner saves them.
    /// </summary>
    public static SafetensorsWriter Weights(CausalLm model)
    {
        var writer = new SafetensorsWriter();
        writer.Metadata["format"] = "pt";
        foreach (var (name, p) in BaseParameters(model))
            TensorFiles.Add(writer, model.HfNames.ToHf(name), p.Data);
        return writer;
    }

    /// <summary>The parameters that the HF layout stores: all but LoRA adapters.</summary>
    public static IEnumerable<(string Name, Parameter Parameter)> BaseParameters(CausalLm model) =>
        model.NamedParameters().Where(x => !x.Name.Contains(".lora.", StringComparison.Ordinal));

    /// <summary>Copies the weights of <paramref name="source"/> (HF names) into the model.</summary>
    public static void LoadWeights(CausalLm model, ISafetensorsSource source, bool tied)
    {
        // A tied output layer may still be stored by other writers: accept and ignore it.
        TensorFiles.LoadInto(model, source, name => name.Contains(".lora.", StringComparison.Ordinal) ? null : model.HfNames.ToHf(name),
            tied ? ["lm_head.weight"] : null);
    }

    // Fills a model just built without initialisation; on failure the model goes, so no half-loaded model is left.
    private static void LoadInto(CausalLm model, string directory, bool tied)
    {
        try
        {
            using var source = SafetensorsCheckpoint.Open(directory);
            LoadWeights(model, source, tied);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }
}
