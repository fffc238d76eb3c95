using Serverless.Errors;
using Serverless.Inference.Tokenization;
using Serverless.Packages;

namespace Serverless.Inference.Tests.Tokenization;

public sealed class BertTextTokenizerTests
{
    // A tiny vocabulary, like dotnet/machinelearning's BertTokenizerTests: the id of a token is its index.
    private static readonly string[] Vocab =
    [
        "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]",
        "hello", "world", "cafe", "café", "Hello", "un", "##aff", "##able",
        "$", "5", "a", "+", "b", "<", "tag", ">", "[", "]", ",", ".", "!", "sep",
        "中", "国", "€", "##€", "©", "##a", "ας", "σ", "i",
    ];

    private static readonly BertTextTokenizer Uncased = BertTextTokenizer.Create(Vocab, new TokenizerConfig());

    private static string[] Pieces(BertTextTokenizer tokenizer, string text) =>
        [.. tokenizer.Tokenize(text, 512).Ids.Select(id => Vocab[id])];

    [Fact]
    public void Create_SpecialTokenIds_ComeFromTheVocabulary()
    {
        Assert.Equal((0, 1, 2, 3), (Uncased.PadId, Uncased.UnkId, Uncased.ClsId, Uncased.SepId));
    }

    [Fact]
    public void Tokenize_PlainWords_AreWrappedInClsAndSep()
    {
        Assert.Equal(["[CLS]", "hello", ",", "world", "!", "[SEP]"], Pieces(Uncased, "Hello, world!"));
        Assert.Equal([2, 5, 23, 6, 25, 3], Uncased.Tokenize("Hello, world!", 16).Ids);
    }

    [Fact]
    public void Tokenize_UnknownWordPieces_UseContinuationPrefix()
    {
        Assert.Equal(["[CLS]", "un", "##aff", "##able", "[SEP]"], Pieces(Uncased, "unaffable"));
    }

    [Fact]
    public void Tokenize_AccentedWordWhenStrippingAccents_LosesItsAccents()
    {
        Assert.Equal(["[CLS]", "cafe", "[SEP]"], Pieces(Uncased, "Café"));
        Assert.Equal(["[CLS]", "cafe", "[SEP]"], Pieces(Uncased, "CAFE\u0301"));
    }

    [Fact]
    public void Tokenize_AccentedWordWhenStripAccentsIsFalse_KeepsItsAccents()
    {
        var tokenizer = BertTextTokenizer.Create(Vocab, new TokenizerConfig { StripAccents = false });
        Assert.Equal(["[CLS]", "café", "[SEP]"], Pieces(tokenizer, "Café"));
    }

    [Fact]
    public void Tokenize_DoLowerCaseFalse_KeepsCaseAndAccents()
    {
        var tokenizer = BertTextTokenizer.Create(Vocab, new TokenizerConfig { DoLowerCase = false });
        Assert.Equal(["[CLS]", "Hello", "hello", "[UNK]", "café", "[SEP]"], Pieces(tokenizer, "Hello hello HELLO café"));
    }

    [Fact]
    public void Tokenize_CjkIdeographs_BecomeSingleCharacterWords()
    {
        Assert.Equal(["[CLS]", "hello", "中", "国", "world", "[SEP]"], Pieces(Uncased, "hello中国world"));
    }

    [Fact]
    public void Tokenize_CjkSplittingDisabled_KeepsIdeographsInTheirWord()
    {
        var tokenizer = BertTextTokenizer.Create(Vocab, new TokenizerConfig { TokenizeChineseChars = false });
        Assert.Equal(["[CLS]", "[UNK]", "[SEP]"], Pieces(tokenizer, "hello中国world"));
    }

    [Fact]
    public void Tokenize_AsciiSymbols_AreSplitOffLikePunctuation()
    {
        Assert.Equal(["[CLS]", "$", "5", "a", "+", "b", "<", "tag", ">", "[SEP]"], Pieces(Uncased, "$5 a+b <tag>"));
    }

    [Fact]
    public void Tokenize_SymbolsThatAreNotPunctuation_StayPartOfTheirWord()
    {
        Assert.Equal(["[CLS]", "5", "##€", "[SEP]"], Pieces(Uncased, "5€"));
        Assert.Equal(["[CLS]", "€", "©", "[SEP]"], Pieces(Uncased, "€ ©"));
        Assert.Equal(["[CLS]", "[UNK]", "!", "[SEP]"], Pieces(Uncased, "hello😀!"));
        Assert.Equal(["[CLS]", "[UNK]", "[SEP]"], Pieces(Uncased, "😀"));
    }

    [Fact]
    public void Tokenize_ControlCharactersAndTabs_AreDroppedOrSeparateWords()
    {
        Assert.Equal(["[CLS]", "hello", "world", "[SEP]"], Pieces(Uncased, "hello\tworld"));
        Assert.Equal(["[CLS]", "hello", "world", "[SEP]"], Pieces(Uncased, "\r\nhello\u00a0\u3000world\n"));
        Assert.Equal(["[CLS]", "hello", "[SEP]"], Pieces(Uncased, "hel\u0000l\u0007o\ufffd"));
        Assert.Equal(["[CLS]", "hello", "[SEP]"], Pieces(Uncased, "hel\u200blo\ud800"));
    }

    [Fact]
    public void Tokenize_WordLongerThan100Characters_IsUnknown()
    {
        Assert.Equal(["[CLS]", "[UNK]", "hello", "[SEP]"], Pieces(Uncased, new string('a', 101) + " hello"));
        var hundred = Uncased.Tokenize(new string('a', 100), 512).Ids;
        Assert.Equal(102, hundred.Length);
        Assert.Equal(["a", .. Enumerable.Repeat("##a", 99)], hundred[1..^1].Select(id => Vocab[id]));
    }

    [Fact]
    public void Tokenize_SpecialTokenWrittenInText_KeepsItsId()
    {
        Assert.Equal(["[CLS]", "hello", "[SEP]", "world", "[SEP]"], Pieces(Uncased, "hello[SEP]world"));
        Assert.Equal(["[CLS]", "[", "sep", "]", "[SEP]"], Pieces(Uncased, "[sep]"));
    }

    [Fact]
    public void Tokenize_GreekCapitalSigma_LowerCasesByPosition()
    {
        Assert.Equal(["[CLS]", "ας", "σ", "[SEP]"], Pieces(Uncased, "ΑΣ Σ"));
        Assert.Equal(["[CLS]", "i", "[SEP]"], Pieces(Uncased, "İ"));
    }

    [Fact]
    public void Tokenize_EmptyOrBlankText_IsClsAndSep()
    {
        Assert.Equal([2, 3], Uncased.Tokenize("", 8).Ids);
        Assert.Equal([2, 3], Uncased.Tokenize(" \t\u0001 ", 8).Ids);
        Assert.False(Uncased.Tokenize("", 2).Truncated);
    }

    [Fact]
    public void Tokenize_TextLongerThanMaxLength_IsTruncatedAndFlaggedAndEndsWithSep()
    {
        var result = Uncased.Tokenize("hello world hello world", 4);
        Assert.True(result.Truncated);
        Assert.Equal([2, 5, 6, 3], result.Ids);
        Assert.Equal(4, result.Length);
    }

    [Fact]
    public void Tokenize_TruncationInsideAWord_KeepsItsFirstPieces()
    {
        var result = Uncased.Tokenize("hello unaffable", 5);
        Assert.True(result.Truncated);
        Assert.Equal(["[CLS]", "hello", "un", "##aff", "[SEP]"], result.Ids.Select(id => Vocab[id]));
    }

    [Fact]
    public void Tokenize_TextThatExactlyFits_IsNotTruncated()
    {
        var result = Uncased.Tokenize("hello world", 4);
        Assert.False(result.Truncated);
        Assert.Equal([2, 5, 6, 3], result.Ids);
        Assert.True(Uncased.Tokenize("hello", 2).Truncated);
    }

    [Fact]
    public void TokenizeWindows_TextThatFits_IsOneWindowAsTokenizeGivesIt()
    {
        var window = Assert.Single(Uncased.TokenizeWindows("hello world cafe a", 6, maxWindows: 16));

        Assert.Equal(Uncased.Tokenize("hello world cafe a", 6).Ids, window.Ids);
        Assert.False(window.Truncated);
    }

    [Fact]
    public void TokenizeWindows_LongText_CutsOverlappingWindowsFromTheTokenIdsEachWrappedInClsAndSep()
    {
        // Window length 6: four text tokens per window, a new window every two tokens.
        var windows = Uncased.TokenizeWindows("hello world cafe a b sep i 5", 6, maxWindows: 16);

        Assert.Equal(2, BertTextTokenizer.WindowStride(6));
        Assert.Equal(
            [[2, 5, 6, 7, 15, 3], [2, 7, 15, 17, 26, 3], [2, 17, 26, 35, 14, 3]],
            windows.Select(w => w.Ids));
        Assert.All(windows, w => Assert.False(w.Truncated));
    }

    [Fact]
    public void TokenizeWindows_TokensLeftAfterTheLastStride_EndInAFullWindowWithTheLastToken()
    {
        var windows = Uncased.TokenizeWindows("hello world cafe a b sep i 5 tag", 6, maxWindows: 16);

        Assert.Equal(4, windows.Length);
        Assert.Equal([2, 26, 35, 14, 19, 3], windows[^1].Ids);
        Assert.All(windows, w => Assert.Equal(6, w.Length));
    }

    [Fact]
    public void TokenizeWindows_AWordOfSeveralPieces_IsCutOnTokenIdsNotOnWords()
    {
        var windows = Uncased.TokenizeWindows("hello unaffable world", 4, maxWindows: 16);

        Assert.Equal(
            [["[CLS]", "hello", "un", "[SEP]"], ["[CLS]", "un", "##aff", "[SEP]"], ["[CLS]", "##aff", "##able", "[SEP]"], ["[CLS]", "##able", "world", "[SEP]"]],
            windows.Select(w => w.Ids.Select(id => Vocab[id]).ToArray()));
    }

    [Fact]
    public void TokenizeWindows_MoreTokensThanTheWindowsCover_KeepsTheCoveredOnesAndFlagsEveryWindowTruncated()
    {
        var cut = Uncased.TokenizeWindows("hello world cafe a b sep i 5", 6, maxWindows: 2);
        var exact = Uncased.TokenizeWindows("hello world cafe a b sep", 6, maxWindows: 2);

        Assert.Equal([[2, 5, 6, 7, 15, 3], [2, 7, 15, 17, 26, 3]], cut.Select(w => w.Ids));
        Assert.All(cut, w => Assert.True(w.Truncated));
        Assert.Equal(cut.Select(w => w.Ids), exact.Select(w => w.Ids));
        Assert.All(exact, w => Assert.False(w.Truncated));
    }

    [Fact]
    public void Tokenize_LongText_GivesTheSameTokensAsTheUntruncatedPrefix()
    {
        var text = string.Join(' ', Enumerable.Repeat("hello unaffable café $5", 500));
        var full = Uncased.Tokenize(text, int.MaxValue);
        var cut = Uncased.Tokenize(text, 128);
        Assert.Equal(2 + 500 * 7, full.Length);
        Assert.False(full.Truncated);
        Assert.True(cut.Truncated);
        Assert.Equal([.. full.Ids[..127], 3], cut.Ids);
    }

    [Fact]
    public void Tokenize_MaxLengthBelowTwo_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Uncased.Tokenize("hello", 1));
    }

    [Fact]
    public void Create_VocabularyWithoutUnknownToken_ThrowsInvalidModelPackage()
    {
        var error = Assert.Throws<InvalidModelPackageException>(() => BertTextTokenizer.Create(["[CLS]", "[SEP]", "[PAD]"], new TokenizerConfig()));
        Assert.Contains("[UNK]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_VocabularyWithRepeatedToken_KeepsTheFirstIdAndLaterIds()
    {
        var tokenizer = BertTextTokenizer.Create([.. Vocab[..6], "hello", "world"], new TokenizerConfig());
        Assert.Equal([2, 5, 7, 3], tokenizer.Tokenize("hello world", 8).Ids);
    }

    [Fact]
    public void Tokenize_FromManyThreads_GivesTheSameIds()
    {
        var texts = Enumerable.Range(0, 200).Select(i => $"Hello {i} café unaffable 中国 $5 €").ToArray();
        var expected = texts.Select(t => Uncased.Tokenize(t, 64).Ids).ToArray();
        var actual = new int[texts.Length][];
        Parallel.For(0, texts.Length, i => actual[i] = Uncased.Tokenize(texts[i], 64).Ids);
        Assert.Equal(expected, actual);
    }
}
