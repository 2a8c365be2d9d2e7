using System.Buffers;
using System.Collections.Concurrent;
using System.Text;

namespace Distributed.Trainer.Tokenizers;

/// <summary>
/// Byte-level (GPT-2, OPT, NeoX, tiktoken) and SentencePiece-style (Llama-2) BPE. We write our own because
/// Microsoft.ML.Tokenizers is not in the package registry. The hot path allocates nothing per token: text is
/// split into pieces on spans, piece bytes live in pooled buffers, and the ids of pieces already seen come from
/// a bounded cache keyed by the piece's characters. Instances are immutable and safe to share across threads.
/// Build one with <see cref="TokenizerLoader"/>.
/// </summary>
public sealed class BpeTokenizer : ITokenizer
{
    private const int MaxCachedPieceLength = 64;
    private const int MaxCacheEntries = 1 << 18;
    private const char Metaspace = '\u2581';

    private readonly byte[][] _tokenBytes;
    private readonly bool[] _isSpecial;
    private readonly MergeTable _merges;
    private readonly int[] _byteToId;
    private readonly Dictionary<int, int> _codePointToId;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _wholePieceLookup;
    private readonly bool _wholePieceFirst;
    private readonly bool _splitAtMetaspace;
    private readonly PreTokenizer? _preTokenizer;
    private readonly AddedToken[] _addedTokens;
    private readonly SearchValues<char>? _addedTokenFirstChars;
    private readonly ConcurrentDictionary<string, int[]> _cache = new();
    private readonly ConcurrentDictionary<string, int[]>.AlternateLookup<ReadOnlySpan<char>> _cacheLookup;

    // ConcurrentDictionary.Count takes every bucket lock (up to 1024); a miss must not pay that.
    private int _cacheEntries;

    internal BpeTokenizer(BpeTokenizerDefinition d)
    {
        Mode = d.Mode;
        _tokenBytes = d.TokenBytes;
        _merges = d.Merges;
        _byteToId = d.ByteToId;
        _codePointToId = d.CodePointToId;
        _wholePieceLookup = d.WholePieces.GetAlternateLookup<ReadOnlySpan<char>>();
        _wholePieceFirst = d.WholePieceFirst;
        _splitAtMetaspace = d.SplitAtMetaspace;
        _preTokenizer = d.PreTokenizer;
        AddPrefixSpace = d.AddPrefixSpace;
        UnknownId = d.UnknownId;
        BosId = d.BosId;
        EosId = d.EosId;
        AddBos = d.AddBos;
        AddEos = d.AddEos;
        // Longest first, so that "<|endoftext|>" wins over a shorter added token sharing its start.
        _addedTokens = [.. d.AddedTokens.OrderByDescending(t => t.Content.Length)];
        _isSpecial = new bool[_tokenBytes.Length];
        foreach (var t in _addedTokens)
        {
            _isSpecial[t.Id] = t.Special;
        }
        _addedTokenFirstChars = _addedTokens.Length > 0 ? SearchValues.Create([.. _addedTokens.Select(t => t.Content[0]).Distinct()]) : null;
        _cacheLookup = _cache.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public TokenizerMode Mode { get; }

    public int VocabularySize => _tokenBytes.Length;

    public int? BosId { get; }

    public int? EosId { get; }

    public int? UnknownId { get; }

    /// <summary>Whether <see cref="Encode(ReadOnlySpan{char}, List{int}, bool)"/> with addSpecialTokens puts BOS first / EOS last.</summary>
    public bool AddBos { get; }

    public bool AddEos { get; }

    /// <summary>Byte-level only: a space is put before text that does not start with one (GPT-2 add_prefix_space).</summary>
    public bool AddPrefixSpace { get; }

    public IReadOnlyList<AddedToken> AddedTokens => _addedTokens;

    /// <summary>SentencePiece texts are merged per "▁" chunk (with the cache) rather than whole.</summary>
    internal bool SplitsAtMetaspace => _splitAtMetaspace;

    /// <summary>Empties the cache of encoded pieces (e.g. to measure cold encoding, or to free its memory).</summary>
    public void ClearCache()
    {
        _cache.Clear();
        Volatile.Write(ref _cacheEntries, 0);
    }

    /// <summary>The raw bytes a token decodes to.</summary>
    public ReadOnlySpan<byte> GetTokenBytes(int id) => _tokenBytes[id];

    public int[] Encode(string text, bool addSpecialTokens = false)
    {
        var output = new List<int>(text.Length / 3 + 4);
        Encode(text, output, addSpecialTokens);
        return [.. output];
    }

    public void Encode(ReadOnlySpan<char> text, List<int> output, bool addSpecialTokens = false)
    {
        if (addSpecialTokens && AddBos && BosId is { } bos)
        {
            output.Add(bos);
        }
        while (!text.IsEmpty)
        {
            var (at, token) = FindAddedToken(text);
            EncodeOrdinary(text[..at], output);
            if (token is null)
            {
                break;
            }
            output.Add(token.Id);
            text = text[(at + token.Content.Length)..];
        }
        if (addSpecialTokens && AddEos && EosId is { } eos)
        {
            output.Add(eos);
        }
    }

    /// <summary>Encodes many documents on all cores; the result's order is the input's.</summary>
    public int[][] EncodeBatch(IReadOnlyList<string> texts, bool addSpecialTokens = false, int maxDegreeOfParallelism = -1)
    {
        var results = new int[texts.Count][];
        Parallel.For(
            0,
            texts.Count,
            new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism },
            () => new List<int>(4096),
            (i, _, buffer) =>
            {
                buffer.Clear();
                Encode(texts[i], buffer, addSpecialTokens);
                results[i] = [.. buffer];
                return buffer;
            },
            _ => { });
        return results;
    }

    public string Decode(ReadOnlySpan<int> ids, bool skipSpecialTokens = false)
    {
        var length = 0;
        foreach (var id in ids)
        {
            length += _tokenBytes[id].Length;
        }
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(length, 1));
        try
        {
            var n = 0;
            var first = true;
            var stripLeadingSpace = false;
            foreach (var id in ids)
            {
                if (skipSpecialTokens && _isSpecial[id])
                {
                    continue;
                }
                var bytes = _tokenBytes[id];
                if (first && Mode == TokenizerMode.SentencePiece && !_isSpecial[id])
                {
                    // The normalizer put "▁" before the text; its decoder strips one leading space.
                    stripLeadingSpace = bytes.Length > 0 && bytes[0] == (byte)' ';
                }
                first = false;
                bytes.CopyTo(buffer, n);
                n += bytes.Length;
            }
            var start = stripLeadingSpace ? 1 : 0;
            return Encoding.UTF8.GetString(buffer, start, n - start);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public int? TokenToId(string token)
    {
        foreach (var t in _addedTokens)
        {
            if (t.Content == token)
            {
                return t.Id;
            }
        }
        return _wholePieceLookup.TryGetValue(token, out var id) ? id : null;
    }

    private (int At, AddedToken? Token) FindAddedToken(ReadOnlySpan<char> text)
    {
        if (_addedTokenFirstChars is null)
        {
            return (text.Length, null);
        }
        var offset = 0;
        while (true)
        {
            var i = text[offset..].IndexOfAny(_addedTokenFirstChars);
            if (i < 0)
            {
                return (text.Length, null);
            }
            var at = offset + i;
            foreach (var t in _addedTokens)
            {
                if (text[at..].StartsWith(t.Content, StringComparison.Ordinal))
                {
                    return (at, t);
                }
            }
            offset = at + 1;
        }
    }

    private void EncodeOrdinary(ReadOnlySpan<char> text, List<int> output)
    {
        if (text.IsEmpty)
        {
            return;
        }
        if (Mode == TokenizerMode.SentencePiece)
        {
            EncodeSentencePiece(text, output);
            return;
        }
        char[]? rented = null;
        if (AddPrefixSpace && text[0] != ' ')
        {
            rented = ArrayPool<char>.Shared.Rent(text.Length + 1);
            rented[0] = ' ';
            text.CopyTo(rented.AsSpan(1));
            text = rented.AsSpan(0, text.Length + 1);
        }
        var pre = _preTokenizer!;
        for (var start = 0; start < text.Length;)
        {
            var end = pre.NextPieceEnd(text, start);
            EncodePiece(text[start..end], output);
            start = end;
        }
        if (rented is not null)
        {
            ArrayPool<char>.Shared.Return(rented);
        }
    }

    private void EncodePiece(ReadOnlySpan<char> piece, List<int> output)
    {
        var cacheable = piece.Length <= MaxCachedPieceLength;
        if (cacheable && _cacheLookup.TryGetValue(piece, out var cached))
        {
            output.AddRange(cached);
            return;
        }
        if (_wholePieceFirst && _wholePieceLookup.TryGetValue(piece, out var whole))
        {
            output.Add(whole);
            return;
        }
        var maxBytes = Encoding.UTF8.GetMaxByteCount(piece.Length);
        int[]? rented = null;
        var ids = maxBytes <= 256 ? stackalloc int[256] : (rented = ArrayPool<int>.Shared.Rent(maxBytes));
        byte[]? rentedBytes = null;
        var bytes = maxBytes <= 256 ? stackalloc byte[256] : (rentedBytes = ArrayPool<byte>.Shared.Rent(maxBytes));
        var byteCount = Encoding.UTF8.GetBytes(piece, bytes);
        for (var i = 0; i < byteCount; i++)
        {
            ids[i] = _byteToId[bytes[i]];
        }
        var count = BpeMerger.ForThisThread.Merge(ids[..byteCount], _merges);
        var result = ids[..count];
        output.AddRange(result);
        AddToCache(cacheable, piece, result);
        if (rented is not null)
        {
            ArrayPool<int>.Shared.Return(rented);
            ArrayPool<byte>.Shared.Return(rentedBytes!);
        }
    }

    private void AddToCache(bool cacheable, ReadOnlySpan<char> key, ReadOnlySpan<int> ids)
    {
        if (cacheable && Volatile.Read(ref _cacheEntries) < MaxCacheEntries && _cacheLookup.TryAdd(key, ids.ToArray()))
        {
            Interlocked.Increment(ref _cacheEntries);
        }
    }

    private void EncodeSentencePiece(ReadOnlySpan<char> text, List<int> output)
    {
        // Normalizer: prepend "▁" and turn every space into "▁"; BPE then runs over the characters.
        var normalized = ArrayPool<char>.Shared.Rent(text.Length + 1);
        try
        {
            normalized[0] = Metaspace;
            text.CopyTo(normalized.AsSpan(1));
            var chars = normalized.AsSpan(0, text.Length + 1);
            chars.Replace(' ', Metaspace);
            if (!_splitAtMetaspace)
            {
                EncodeSymbols(chars, output, cacheable: false);
                return;
            }
            // No token has "▁" after another character, so no merge crosses the start of a "▁" run: each
            // "▁*[^▁]*" chunk can be merged (and cached) on its own with the same result as the whole text.
            for (var start = 0; start < chars.Length;)
            {
                var end = start;
                while (end < chars.Length && chars[end] == Metaspace)
                {
                    end++;
                }
                var next = chars[end..].IndexOf(Metaspace);
                end = next < 0 ? chars.Length : end + next;
                EncodeSymbols(chars[start..end], output, cacheable: end - start <= MaxCachedPieceLength);
                start = end;
            }
        }
        finally
        {
            ArrayPool<char>.Shared.Return(normalized);
        }
    }

    private void EncodeSymbols(ReadOnlySpan<char> chars, List<int> output, bool cacheable)
    {
        if (cacheable && _cacheLookup.TryGetValue(chars, out var cached))
        {
            output.AddRange(cached);
            return;
        }
        var ids = ArrayPool<int>.Shared.Rent(chars.Length * 4);
        try
        {
            var n = 0;
            for (var i = 0; i < chars.Length;)
            {
                if (Rune.DecodeFromUtf16(chars[i..], out var rune, out var width) != OperationStatus.Done)
                {
                    rune = Rune.ReplacementChar;
                }
                i += width;
                n = AppendSymbol(rune.Value, ids, n);
            }
            var count = BpeMerger.ForThisThread.Merge(ids.AsSpan(0, n), _merges);
            var result = ids.AsSpan(0, count);
            output.AddRange(result);
            AddToCache(cacheable, chars, result);
        }
        finally
        {
            ArrayPool<int>.Shared.Return(ids);
        }
    }

    /// <summary>The character's own token, else one &lt;0xXX&gt; token per UTF-8 byte, else the unknown token.</summary>
    private int AppendSymbol(int codePoint, int[] ids, int n)
    {
        if (_codePointToId.TryGetValue(codePoint, out var id))
        {
            ids[n] = id;
            return n + 1;
        }
        Span<byte> utf8 = stackalloc byte[4];
        var len = new Rune(codePoint).EncodeToUtf8(utf8);
        var hasBytes = true;
        for (var b = 0; b < len; b++)
        {
            hasBytes &= _byteToId[utf8[b]] >= 0;
        }
        if (!hasBytes)
        {
            ids[n] = UnknownId ?? throw new InvalidOperationException($"U+{codePoint:X4} has no token, no byte fallback and no unknown token");
            return n + 1;
        }
        for (var b = 0; b < len; b++)
        {
            ids[n++] = _byteToId[utf8[b]];
        }
        return n;
    }
}
