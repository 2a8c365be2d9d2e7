using System.Text.Json;
using System.Text.Json.Nodes;
using Distributed.Trainer.Checkpoint;
using Distributed.Trainer.Models;
using Distributed.Trainer.Objectives;
using Distributed.Trainer.Torch;

namespace Distributed.Trainer.Training;

/// <summary>
/// A job's model: loaded from model_dir, or initialised from an inline config whose vocabulary and context follow
/// the data and the objective when left out. Checked against the data's vocabulary and the objective's context
/// before the first step, with errors that name the job-file fields to change.
/// </summary>
public static class ModelFactory
{
    public static CausalLm Create(JobFile job, JobData data, Generator generator)
    {
        var model = job.ModelDirectory is { } dir ? Load(dir, generator) : Initialise(job, data, generator);
        try
        {
            Check(job, data, model);
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    private static CausalLm Load(string dir, Generator generator)
    {
        if (!File.Exists(Path.Combine(dir, HfCheckpoint.ConfigFileName)))
            throw new JobException($"model_dir {dir}: no {HfCheckpoint.ConfigFileName} there; give a Hugging Face model folder (--model-dir or model_dir in the job file)");
        try
        {
            return HfCheckpoint.Load(dir, generator);
        }
        catch (Exception e) when (e is HfConfigException or NotSupportedException or InvalidDataException or FileNotFoundException)
        {
            throw new JobException($"model_dir {dir}: {e.Message}", e);
        }
    }

    private static CausalLm Initialise(JobFile job, JobData data, Generator generator)
    {
        var config = JsonNode.Parse(job.Config!.Value.GetRawText()) as JsonObject
            ?? throw new JobException("job file: config must be an object of Hugging Face config.json fields");
        // Left-out sizes follow the data and the objective, so one job file serves any tokenizer and objective.
        config.TryAdd("vocab_size", data.Vocabulary);
        if (config["vocab_size"] is JsonValue v && v.TryGetValue<int>(out var vocab)) CheckVocabulary(job, data, vocab);
        config.TryAdd("max_position_embeddings", ObjectiveFactory.Requirement(job, job.Family, data).Positions);
        if (data.BosId is { } bos) config.TryAdd("bos_token_id", bos);
        if (data.EosId is { } eos) config.TryAdd("eos_token_id", eos);
        var json = JsonSerializer.SerializeToElement(config);
        try
        {
            return job.Family == "opt"
                ? new Opt(HfConfigFile.ParseOpt(json, "job file config"), generator)
                : new Llama(HfConfigFile.ParseLlama(json, "job file config"), generator);
        }
        catch (Exception e) when (e is HfConfigException or NotSupportedException)
        {
            throw new JobException(e.Message, e);
        }
    }

    private static void CheckVocabulary(JobFile job, JobData data, int vocabSize)
    {
        if (data.Vocabulary <= vocabSize) return;
        var source = job.ModelDirectory is { } dir ? $"the model in {dir} (model_dir)" : "the job file's config";
        var fix = job.ModelDirectory is not null
            ? "tokenize the text with the model's own tokenizer (distributed tokenize --tokenizer), or train a model that matches the data (--model-dir)"
            : "raise config.vocab_size in the job file, or leave it out so that it follows the data";
        throw new JobException($"{data.Name} uses {data.Vocabulary} token ids ({data.VocabularySource}) but {source} has vocab_size {vocabSize}: {fix}");
    }

    private static void Check(JobFile job, JobData data, CausalLm model)
    {
        CheckVocabulary(job, data, model.VocabSize);
        var source = job.ModelDirectory is { } dir ? $"the model in {dir} (model_dir)" : "the job file's config";
        var need = ObjectiveFactory.Requirement(job, model.ModelType, data);
        if (need.Positions > model.MaxPositions)
        {
            var fix = job.ModelDirectory is not null
                ? $"{need.Shrink} in the job file"
                : $"{need.Shrink}, or raise config.max_position_embeddings (or leave it out) in the job file";
            throw new JobException(
                $"the {job.Objective} objective needs {need.Positions} positions ({need.Because}) but {source} has max_position_embeddings {model.MaxPositions}: {fix}");
        }
    }
}
