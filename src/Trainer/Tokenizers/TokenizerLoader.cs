using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Distributed.Trainer.Tokenizers;

/// <summary>Builds a <see cref="BpeTokenizer"/> from Hugging Face, GPT-2 or tiktoken files.</summary>
public static class TokenizerLoader
{
    private const char Metaspace = '\u2581';

    /// <summary>Loads a Hugging Face tokenizer.json whose model is BPE: byte-level (GPT-2, OPT, NeoX, Llama-3)
    /// or SentencePiece-style with byte fallback (Llama-2).</summary>
    public static BpeTokenizer FromHuggingFaceJson(string path)
    {
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
            return FromHuggingFaceJson(doc.RootElement, path);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new TokenizerFormatException($"{path}: not a usable tokenizer.json: {e.Message}", e);
        }
    }

    /// <summary>
    /// Loads GPT-2's vocab.json/encoder.json and merges.txt/vocab.bpe (also OPT's and NeoX's pair). BOS and EOS
    /// default to GPT-2's "&lt;|endoftext|&gt;"; OPT uses bosToken "&lt;/s&gt;" with addBos. The usual
    /// special tokens present in the vocabulary are matched in text as added tokens.
    /// </summary>
    public static BpeTokenizer FromGpt2Files(
        string vocabJsonPath, string mergesPath, bool addBos = false, bool addEos = false,
        string bosToken = "<|endoftext|>", string eosToken = "<|endoftext|>")
    {
        Dictionary<string, int> vocab;
        try
        {
            vocab = JsonSerializer.Deserialize<Dictionary<string, int>>(File.ReadAllBytes(vocabJsonPath))
                ?? throw new TokenizerFormatException($"{vocabJsonPath}: empty vocabulary");
        }
        catch (JsonException e)
        {
            throw new TokenizerFormatException($"{vocabJsonPath}: not a JSON object of token to id: {e.Message}", e);
        }
        var merges = new List<(string, string)>();
        var lineNo = 0;
        foreach (var line in File.ReadLines(mergesPath))
        {
            lineNo++;
            if (line.StartsWith("#version", StringComparison.Ordinal) || line.Length == 0)
            {
                continue;
            }
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            if (space <= 0)
            {
                throw new TokenizerFormatException($"{mergesPath}:{lineNo}: expected \"left right\", got \"{line}\"");
            }
            merges.Add((line[..space], line[(space + 1)..]));
        }
        var added = new List<AddedToken>();
        foreach (var special in new[] { "<|endoftext|>", "<s>", "</s>", "<pad>", "<unk>", bosToken, eosToken }.Distinct())
        {
            if (vocab.TryGetValue(special, out var id))
            {
                added.Add(new AddedToken(id, special, Special: true));
            }
        }
        int? bos = vocab.TryGetValue(bosToken, out var bosId) ? bosId : null;
        int? eos = vocab.TryGetValue(eosToken, out var eosId) ? eosId : null;
        if (addBos && bos is null || addEos && eos is null)
        {
            throw new TokenizerFormatException($"{vocabJsonPath}: no \"{(addBos && bos is null ? bosToken : eosToken)}\" token to add");
        }
        int? unk = vocab.TryGetValue("<unk>", out var unkId) ? unkId : null;
        return BuildByteLevel(vocab, merges, added, PreTokenizer.Gpt2, addPrefixSpace: false, unk, bos, eos, addBos, addEos, mergesPath, ignoreMerges: false);
    }

    /// <summary>Loads a tiktoken rank file (lines of "base64 rank"), e.g. cl100k_base.tiktoken.</summary>
    public static BpeTokenizer FromTiktoken(string ranksPath, string pattern, IReadOnlyDictionary<string, int> specialTokens)
    {
        var byBytes = new Dictionary<string, int>(StringComparer.Ordinal);
        var tokens = new List<(byte[] Bytes, int Rank)>();
        var lineNo = 0;
        foreach (var line in File.ReadLines(ranksPath))
        {
            lineNo++;
            if (line.Length == 0)
            {
                continue;
            }
            var parts = line.Split(' ');
            if (parts.Length != 2 || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var rank))
            {
                throw new TokenizerFormatException($"{ranksPath}:{lineNo}: expected \"base64 rank\", got \"{line}\"");
            }
            byte[] bytes;
            try
            {
                bytes = Convert.FromBase64String(parts[0]);
            }
            catch (FormatException e)
            {
                throw new TokenizerFormatException($"{ranksPath}:{lineNo}: bad base64 \"{parts[0]}\"", e);
            }
            tokens.Add((bytes, rank));
            byBytes[Encoding.Latin1.GetString(bytes)] = rank;
        }
        var size = Math.Max(tokens.Max(t => t.Rank), specialTokens.Count == 0 ? 0 : specialTokens.Values.Max()) + 1;
        var tokenBytes = new byte[size][];
        Array.Fill(tokenBytes, []);
        var byteToId = new int[256];
        Array.Fill(byteToId, -1);
        var merges = new MergeTable();
        var whole = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (bytes, rank) in tokens)
        {
            tokenBytes[rank] = bytes;
            if (bytes.Length == 1)
            {
                byteToId[bytes[0]] = rank;
            }
            if (TryDecodeUtf8(bytes, out var text))
            {
                whole[text] = rank;
            }
            // tiktoken merges the adjacent pair whose concatenation has the lowest rank; every way of cutting a
            // token into two tokens is such a pair.
            var latin = Encoding.Latin1.GetString(bytes);
            for (var k = 1; k < bytes.Length; k++)
            {
                if (byBytes.TryGetValue(latin[..k], out var left) && byBytes.TryGetValue(latin[k..], out var right))
                {
                    merges.Add(left, right, rank, rank);
                }
            }
        }
        var added = new List<AddedToken>();
        foreach (var (content, id) in specialTokens)
        {
            tokenBytes[id] = Encoding.UTF8.GetBytes(content);
            added.Add(new AddedToken(id, content, Special: true));
        }
        if (Array.IndexOf(byteToId, -1) >= 0)
        {
            throw new TokenizerFormatException($"{ranksPath}: not every byte has a token");
        }
        specialTokens.TryGetValue("<|endoftext|>", out var eot);
        return new BpeTokenizer(new BpeTokenizerDefinition
        {
            Mode = TokenizerMode.ByteLevel,
            TokenBytes = tokenBytes,
            Merges = merges,
            ByteToId = byteToId,
            WholePieces = whole,
            WholePieceFirst = true,
            PreTokenizer = PreTokenizer.FromPattern(pattern),
            AddedTokens = added,
            EosId = specialTokens.ContainsKey("<|endoftext|>") ? eot : null,
        });
    }

    private static BpeTokenizer FromHuggingFaceJson(JsonElement root, string path)
    {
        var model = root.GetProperty("model");
        var type = model.TryGetProperty("type", out var t) ? t.GetString() : "BPE";
        if (type != "BPE")
        {
            throw new TokenizerFormatException($"{path}: model type \"{type}\" is not supported (only BPE)");
        }
        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var p in model.GetProperty("vocab").EnumerateObject())
        {
            vocab[p.Name] = p.Value.GetInt32();
        }
        var merges = new List<(string, string)>();
        foreach (var m in model.GetProperty("merges").EnumerateArray())
        {
            if (m.ValueKind == JsonValueKind.Array)
            {
                merges.Add((m[0].GetString()!, m[1].GetString()!));
                continue;
            }
            var s = m.GetString()!;
            var space = s.IndexOf(' ', StringComparison.Ordinal);
            if (space <= 0)
            {
                throw new TokenizerFormatException($"{path}: merge \"{s}\" is not \"left right\"");
            }
            merges.Add((s[..space], s[(space + 1)..]));
        }
        var added = new List<AddedToken>();
        if (root.TryGetProperty("added_tokens", out var addedJson) && addedJson.ValueKind == JsonValueKind.Array)
        {
            foreach (var a in addedJson.EnumerateArray())
            {
                added.Add(new AddedToken(
                    a.GetProperty("id").GetInt32(),
                    a.GetProperty("content").GetString()!,
                    a.TryGetProperty("special", out var sp) && sp.GetBoolean()));
            }
        }
        int? unk = model.TryGetProperty("unk_token", out var u) && u.ValueKind == JsonValueKind.String
            && vocab.TryGetValue(u.GetString()!, out var unkId) ? unkId : null;
        var (bos, eos, addBos, addEos) = ReadPostProcessor(root, vocab, added);
        var byteLevel = ContainsType(root, "pre_tokenizer", "ByteLevel") || ContainsType(root, "decoder", "ByteLevel");
        if (byteLevel)
        {
            var pre = FindPreTokenizer(root);
            var prefix = FindByteLevelFlag(root.TryGetProperty("pre_tokenizer", out var pt) ? pt : default, "add_prefix_space");
            // Llama-3 style files set ignore_merges: a piece that is itself a token is taken whole, as tiktoken does.
            var ignoreMerges = model.TryGetProperty("ignore_merges", out var im) && im.ValueKind == JsonValueKind.True;
            return BuildByteLevel(vocab, merges, added, pre, prefix, unk, bos, eos, addBos, addEos, path, ignoreMerges);
        }
        return BuildSentencePiece(vocab, merges, added, unk, bos, eos, addBos, addEos, path);
    }

    private static BpeTokenizer BuildByteLevel(
        Dictionary<string, int> vocab, List<(string, string)> merges, List<AddedToken> added, PreTokenizer pre,
        bool addPrefixSpace, int? unknownId, int? bos, int? eos, bool addBos, bool addEos, string path, bool ignoreMerges)
    {
        var size = Math.Max(vocab.Count == 0 ? 0 : vocab.Values.Max(), added.Count == 0 ? 0 : added.Max(a => a.Id)) + 1;
        var tokenBytes = new byte[size][];
        Array.Fill(tokenBytes, []);
        var whole = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (token, id) in vocab)
        {
            tokenBytes[id] = ByteLevelAlphabet.TryToBytes(token, out var b) ? b : Encoding.UTF8.GetBytes(token);
            if (TryDecodeUtf8(tokenBytes[id], out var text))
            {
                whole.TryAdd(text, id);
            }
        }
        foreach (var a in added)
        {
            tokenBytes[a.Id] = Encoding.UTF8.GetBytes(a.Content);
        }
        var byteToId = new int[256];
        for (var b = 0; b < 256; b++)
        {
            if (!vocab.TryGetValue(ByteLevelAlphabet.ToChar((byte)b).ToString(), out byteToId[b]))
            {
                throw new TokenizerFormatException($"{path}: byte 0x{b:X2} has no token in the byte-level vocabulary");
            }
        }
        return new BpeTokenizer(new BpeTokenizerDefinition
        {
            Mode = TokenizerMode.ByteLevel,
            TokenBytes = tokenBytes,
            Merges = BuildMerges(vocab, merges, path),
            ByteToId = byteToId,
            WholePieces = whole,
            WholePieceFirst = ignoreMerges,
            PreTokenizer = pre,
            AddPrefixSpace = addPrefixSpace,
            UnknownId = unknownId,
            BosId = bos,
            EosId = eos,
            AddBos = addBos,
            AddEos = addEos,
            AddedTokens = added,
        });
    }

    private static BpeTokenizer BuildSentencePiece(
        Dictionary<string, int> vocab, List<(string, string)> merges, List<AddedToken> added, int? unknownId,
        int? bos, int? eos, bool addBos, bool addEos, string path)
    {
        var size = Math.Max(vocab.Values.Max(), added.Count == 0 ? 0 : added.Max(a => a.Id)) + 1;
        var tokenBytes = new byte[size][];
        Array.Fill(tokenBytes, []);
        var byteToId = new int[256];
        Array.Fill(byteToId, -1);
        var codePoints = new Dictionary<int, int>();
        foreach (var (token, id) in vocab)
        {
            if (token.Length == 6 && token.StartsWith("<0x", StringComparison.Ordinal) && token[5] == '>'
                && byte.TryParse(token.AsSpan(3, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var b))
            {
                byteToId[b] = id;
                tokenBytes[id] = [b];
                continue;
            }
            tokenBytes[id] = Encoding.UTF8.GetBytes(token.Replace(Metaspace, ' '));
            if (Rune.TryGetRuneAt(token, 0, out var r) && r.Utf16SequenceLength == token.Length)
            {
                codePoints[r.Value] = id;
            }
        }
        foreach (var a in added)
        {
            tokenBytes[a.Id] = Encoding.UTF8.GetBytes(a.Content);
        }
        return new BpeTokenizer(new BpeTokenizerDefinition
        {
            Mode = TokenizerMode.SentencePiece,
            TokenBytes = tokenBytes,
            Merges = BuildMerges(vocab, merges, path),
            ByteToId = byteToId,
            CodePointToId = codePoints,
            WholePieces = vocab,
            SplitAtMetaspace = !vocab.Keys.Any(t => HasMetaspaceAfterOtherCharacter(t)),
            UnknownId = unknownId,
            BosId = bos,
            EosId = eos,
            AddBos = addBos,
            AddEos = addEos,
            AddedTokens = added,
        });
    }

    private static MergeTable BuildMerges(Dictionary<string, int> vocab, List<(string Left, string Right)> merges, string path)
    {
        var table = new MergeTable();
        for (var rank = 0; rank < merges.Count; rank++)
        {
            var (l, r) = merges[rank];
            if (!vocab.TryGetValue(l, out var left) || !vocab.TryGetValue(r, out var right) || !vocab.TryGetValue(l + r, out var merged))
            {
                throw new TokenizerFormatException($"{path}: merge {rank} \"{l} {r}\" uses a token missing from the vocabulary");
            }
            table.Add(left, right, rank, merged);
        }
        return table;
    }

    private static PreTokenizer FindPreTokenizer(JsonElement root)
    {
        if (!root.TryGetProperty("pre_tokenizer", out var pre) || pre.ValueKind != JsonValueKind.Object)
        {
            return PreTokenizer.Gpt2;
        }
        foreach (var node in Flatten(pre))
        {
            var type = node.GetProperty("type").GetString();
            if (type == "Split" && node.TryGetProperty("pattern", out var pattern))
            {
                var regex = pattern.TryGetProperty("Regex", out var rx) ? rx.GetString()!
                    : System.Text.RegularExpressions.Regex.Escape(pattern.GetProperty("String").GetString()!);
                return PreTokenizer.FromPattern(regex);
            }
        }
        return PreTokenizer.Gpt2;
    }

    private static bool FindByteLevelFlag(JsonElement pre, string flag)
    {
        if (pre.ValueKind != JsonValueKind.Object)
        {
            return false;
        }
        foreach (var node in Flatten(pre))
        {
            if (node.GetProperty("type").GetString() == "ByteLevel" && node.TryGetProperty(flag, out var v))
            {
                return v.GetBoolean();
            }
        }
        return false;
    }

    private static IEnumerable<JsonElement> Flatten(JsonElement node)
    {
        yield return node;
        foreach (var key in new[] { "pretokenizers", "decoders", "normalizers", "processors" })
        {
            if (node.TryGetProperty(key, out var children) && children.ValueKind == JsonValueKind.Array)
            {
                foreach (var c in children.EnumerateArray().SelectMany(Flatten))
                {
                    yield return c;
                }
            }
        }
    }

    private static bool ContainsType(JsonElement root, string section, string type) =>
        root.TryGetProperty(section, out var s) && s.ValueKind == JsonValueKind.Object
        && Flatten(s).Any(n => n.TryGetProperty("type", out var t) && t.GetString() == type);

    /// <summary>BOS/EOS from a TemplateProcessing post-processor: special tokens before / after "$A".</summary>
    private static (int? Bos, int? Eos, bool AddBos, bool AddEos) ReadPostProcessor(
        JsonElement root, Dictionary<string, int> vocab, List<AddedToken> added)
    {
        int? Lookup(string token) =>
            added.FirstOrDefault(a => a.Content == token)?.Id ?? (vocab.TryGetValue(token, out var id) ? id : null);

        int? bos = Lookup("<s>") ?? Lookup("<|begin_of_text|>") ?? Lookup("<|endoftext|>");
        int? eos = Lookup("</s>") ?? Lookup("<|end_of_text|>") ?? Lookup("<|endoftext|>");
        bool addBos = false, addEos = false;
        if (!root.TryGetProperty("post_processor", out var pp) || pp.ValueKind != JsonValueKind.Object)
        {
            return (bos, eos, addBos, addEos);
        }
        foreach (var node in Flatten(pp))
        {
            if (node.GetProperty("type").GetString() != "TemplateProcessing" || !node.TryGetProperty("single", out var single))
            {
                continue;
            }
            var seenSequence = false;
            foreach (var item in single.EnumerateArray())
            {
                if (item.TryGetProperty("Sequence", out _))
                {
                    seenSequence = true;
                }
                else if (item.TryGetProperty("SpecialToken", out var st) && Lookup(st.GetProperty("id").GetString()!) is { } id)
                {
                    if (seenSequence)
                    {
                        (eos, addEos) = (id, true);
                    }
                    else
                    {
                        (bos, addBos) = (id, true);
                    }
                }
            }
        }
        return (bos, eos, addBos, addEos);
    }

    private static bool HasMetaspaceAfterOtherCharacter(string token)
    {
        for (var i = 1; i < token.Length; i++)
        {
            if (token[i] == Metaspace && token[i - 1] != Metaspace)
            {
                return true;
            }
        }
        return false;
    }

    private static bool TryDecodeUtf8(byte[] bytes, out string text)
    {
        var valid = System.Text.Unicode.Utf8.IsValid(bytes);
        text = valid ? Encoding.UTF8.GetString(bytes) : "";
        return valid;
    }
}
