using System.CommandLine;
using Distributed.Trainer.Training;
using Serilog;

namespace Distributed.Silo.Commands;

/// <summary>
/// `distributed generate --checkpoint DIR --context TEXT [--prompt TEXT]`: what the checkpoint's objective does with
/// a context: AutoCompressor compresses it into summary vectors and continues the prompt from them; ICAE compresses
/// it into memory slots and reconstructs it (or answers the prompt); a plain LM continues context + prompt.
/// </summary>
public static class GenerateCommand
{
    private static readonly Option<string?> ContextOption = new("--context") { Description = "the text to compress (AutoCompressor, ICAE) or to continue (lm)" };
    private static readonly Option<string?> PromptOption = new("--prompt") { Description = "the text to continue after the compressed context (AutoCompressor), or a question about it (ICAE fine-tuned)" };
    private static readonly Option<int> MaxTokensOption = new("--max-tokens") { Description = "tokens to generate at most", DefaultValueFactory = _ => 64 };
    private static readonly Option<string?> TokenizerOption = new("--tokenizer") { Description = "the tokenizer the model's data was made with (default: the job's)" };

    public static Command Create()
    {
        var command = new Command("generate", "Generate from a checkpoint: decoding from compressed context")
        {
            CheckpointSession.CheckpointOption, CheckpointSession.DeviceOption, ContextOption, PromptOption, MaxTokensOption, TokenizerOption,
        };
        command.SetAction((r, ct) => RunAsync(r, ct));
        return command;
    }

    private static async Task<int> RunAsync(ParseResult r, CancellationToken cancellationToken)
    {
        var (loggers, owner) = CommonOptions.RunLogging(null);
        using var _ = owner;
        using var session = await CheckpointSession.OpenAsync(r, loggers,
            job => job with { Tokenizer = CommonOptions.FullPath(r.GetValue(TokenizerOption)) ?? job.Tokenizer }, cancellationToken);
        var tokenizer = session.Data.Tokenizer
            ?? throw new JobException($"the checkpoint's data ({session.Data.Name}) was tokenized with {session.Data.VocabularySource}: give that tokenizer with --tokenizer");
        int[] Encode(string? text)
        {
            var ids = new List<int>();
            if (text is not null) tokenizer.Encode(text, ids);
            return [.. ids];
        }
        var result = session.Objective.Generate(Encode(r.GetValue(ContextOption)), Encode(r.GetValue(PromptOption)), r.GetValue(MaxTokensOption));
        Log.Information("{What} ({Tokens} tokens):", result.What, result.Tokens.Length);
        Console.WriteLine(tokenizer.Decode(result.Tokens));
        return 0;
    }
}
