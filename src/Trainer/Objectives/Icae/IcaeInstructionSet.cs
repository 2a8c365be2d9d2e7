using Distributed.Trainer.Data;
using Distributed.Trainer.Tokenizers;

namespace Distributed.Trainer.Objectives.Icae;

/// <summary>ICAE fine-tuning examples from JSONL lines of (context, prompt, response), tokenized in memory.</summary>
public sealed class IcaeInstructionSet : ISampleSource<IcaeExample>
{
    private readonly List<IcaeExample> _examples;

    private IcaeInstructionSet(string datasetId, ulong seed, List<IcaeExample> examples, IReadOnlyDictionary<BadInputKind, long> skipped)
    {
        DatasetId = datasetId;
        Seed = seed;
        _examples = examples;
        Skipped = skipped;
    }

    public string DatasetId { get; }

    public ulong Seed { get; }

    public long Count => _examples.Count;

    public IReadOnlyDictionary<BadInputKind, long> Skipped { get; }

    public IcaeExample Get(long sampleIndex, int epoch) => _examples[checked((int)sampleIndex)];

    /// <summary>Reads a JSONL(.gz) file of {"context", "prompt", "response"} objects (field names configurable).
    /// The context is cut to ContextTokens; the response gets EOS when the options name one.</summary>
    public static async Task<IcaeInstructionSet> LoadAsync(
        string path, ITokenizer tokenizer, IcaeOptions options, ulong seed, BadInputPolicy onBadInput = BadInputPolicy.Fail,
        (string Context, string Prompt, string Response)? fields = null, CancellationToken cancellationToken = default)
    {
        options.Validate();
        var (contextField, promptField, responseField) = fields ?? ("context", "prompt", "response");
        var examples = new List<IcaeExample>();
        var skipped = new Dictionary<BadInputKind, long>();
        using var hash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        var buffer = new List<int>();
        try
        {
            await ReadAsync().ConfigureAwait(false);
        }
        catch (TruncatedInputException) when (onBadInput == BadInputPolicy.Skip)
        {
            skipped[BadInputKind.TruncatedFile] = skipped.GetValueOrDefault(BadInputKind.TruncatedFile) + 1;
        }
        catch (TruncatedInputException e)
        {
            throw new DataFormatException(path, e.Line, BadInputKind.TruncatedFile, e.Message, e);
        }
        return new IcaeInstructionSet(Convert.ToHexStringLower(hash.GetHashAndReset())[..16], seed, examples, skipped);

        async Task ReadAsync()
        {
            await foreach (var (lineNumber, line) in JsonlReader.ReadLinesAsync(path, cancellationToken).ConfigureAwait(false))
            {
                if (line.Span.Trim(" \t"u8).IsEmpty)
                {
                    continue;
                }
                hash.AppendData(line.Span);
                if (!DocumentParser.TryParse(line.Span, contextField, out var context, out var kind, out var reason)
                    || !DocumentParser.TryParse(line.Span, promptField, out var prompt, out kind, out reason)
                    || !DocumentParser.TryParse(line.Span, responseField, out var response, out kind, out reason))
                {
                    if (onBadInput == BadInputPolicy.Fail)
                    {
                        throw new DataFormatException(path, lineNumber, kind, reason);
                    }
                    skipped[kind] = skipped.GetValueOrDefault(kind) + 1;
                    continue;
                }
                var contextIds = Tokenize(tokenizer, context, buffer);
                if (contextIds.Length > options.ContextTokens)
                {
                    contextIds = contextIds[..options.ContextTokens];
                }
                var responseIds = Tokenize(tokenizer, response, buffer);
                int[] target = options.EosId is { } eos ? [.. responseIds, eos] : responseIds;
                examples.Add(new IcaeExample(examples.Count, IcaeTask.FineTune, contextIds, Tokenize(tokenizer, prompt, buffer), target));
            }
        }
    }

    private static int[] Tokenize(ITokenizer tokenizer, string text, List<int> buffer)
    {
        buffer.Clear();
        tokenizer.Encode(text, buffer);
        return [.. buffer];
    }
}
