using System.Text;
using System.Text.RegularExpressions;

using MimeKit;
using MimeKit.Text;

namespace Serverless.Demo.Email;

/// <summary>
/// Turns a raw email (RFC 5322 / MIME) into what a user would send to a classifier: the subject, a blank line, and the
/// decoded plain-text body. Headers are dropped, transfer encodings and charsets decoded, the text/plain alternative
/// preferred and HTML reduced to text when there is none; attachments are ignored. Never throws on a broken message: what
/// cannot be parsed falls back to the raw text after the header block.
/// </summary>
public static partial class EmailText
{
    /// <summary>Prepares a raw message given as bytes.</summary>
    public static string Prepare(byte[] rawMessage)
    {
        ArgumentNullException.ThrowIfNull(rawMessage);
        try
        {
            using var stream = new MemoryStream(rawMessage, writable: false);
            var message = MimeMessage.Load(stream);
            var body = message.TextBody is { } text && !string.IsNullOrWhiteSpace(text)
                ? text
                : message.HtmlBody is { } html ? HtmlToText(html) : null;
            if (body is not null || !string.IsNullOrWhiteSpace(message.Subject))
            {
                return Compose(message.Subject, body ?? string.Empty);
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A broken message must never stop a corpus from loading: fall back to the raw text below.
        }

        return Fallback(Latin1Or8(rawMessage));
    }

    /// <summary>Prepares a raw message given as text.</summary>
    public static string Prepare(string rawMessage) => Prepare(Encoding.UTF8.GetBytes(rawMessage ?? string.Empty));

    /// <summary>Reduces HTML to its visible text: scripts, styles and the head dropped, block elements on their own lines.</summary>
    public static string HtmlToText(string html)
    {
        var text = new StringBuilder();
        var hidden = 0;
        using var reader = new StringReader(html);
        var tokenizer = new HtmlTokenizer(reader) { DecodeCharacterReferences = true };
        while (tokenizer.ReadNextToken(out var token))
        {
            switch (token)
            {
                case HtmlTagToken tag when tag.Id is HtmlTagId.Script or HtmlTagId.Style or HtmlTagId.Head or HtmlTagId.Title:
                    if (!tag.IsEmptyElement)
                    {
                        hidden = Math.Max(0, hidden + (tag.IsEndTag ? -1 : 1));
                    }

                    break;
                case HtmlTagToken tag when IsBlock(tag.Id):
                    text.Append('\n');
                    break;
                case HtmlTagToken tag when tag.Id == HtmlTagId.TD || tag.Id == HtmlTagId.TH:
                    text.Append(' ');
                    break;
                case HtmlDataToken data when hidden == 0 && token.Kind == HtmlTokenKind.Data:
                    text.Append(data.Data);
                    break;
            }
        }

        return text.ToString();
    }

    private static bool IsBlock(HtmlTagId id) => id is HtmlTagId.Br or HtmlTagId.P or HtmlTagId.Div or HtmlTagId.TR or
        HtmlTagId.LI or HtmlTagId.H1 or HtmlTagId.H2 or HtmlTagId.H3 or HtmlTagId.H4 or HtmlTagId.H5 or HtmlTagId.H6 or
        HtmlTagId.Table or HtmlTagId.UL or HtmlTagId.OL or HtmlTagId.BlockQuote or HtmlTagId.Pre or HtmlTagId.HR or HtmlTagId.Center;

    private static string Compose(string? subject, string body)
    {
        var cleanBody = Normalize(body);
        var cleanSubject = Normalize(subject ?? string.Empty);
        return cleanSubject.Length == 0 ? cleanBody : cleanBody.Length == 0 ? cleanSubject : cleanSubject + "\n\n" + cleanBody;
    }

    // Unparseable message: everything after the first blank line is the body; a Subject line is kept when found.
    private static string Fallback(string raw)
    {
        raw = raw.Replace("\r\n", "\n", StringComparison.Ordinal);
        var split = raw.IndexOf("\n\n", StringComparison.Ordinal);
        var headers = split < 0 ? string.Empty : raw[..split];
        var body = split < 0 ? raw : raw[(split + 2)..];
        var subject = SubjectLine().Match(headers) is { Success: true } m ? m.Groups[1].Value : null;
        return Compose(subject, body);
    }

    private static string Latin1Or8(byte[] bytes)
    {
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return Encoding.Latin1.GetString(bytes);
        }
    }

    // Lines trimmed, runs of spaces and of blank lines collapsed, invisible characters removed.
    private static string Normalize(string text)
    {
        text = text.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n').Replace('\u00a0', ' ');
        text = InvisibleCharacters().Replace(text, string.Empty);
        text = HorizontalSpace().Replace(text, " ");
        text = SpaceAroundNewline().Replace(text, "\n");
        text = BlankLines().Replace(text, "\n\n");
        return text.Trim();
    }

    [GeneratedRegex(@"^Subject:[ \t]*(.*)$", RegexOptions.Multiline | RegexOptions.IgnoreCase)]
    private static partial Regex SubjectLine();

    [GeneratedRegex(@"[\u200b-\u200d\ufeff\u0000-\u0008\u000b\u000c\u000e-\u001f]")]
    private static partial Regex InvisibleCharacters();

    [GeneratedRegex(@"[ \t]+")]
    private static partial Regex HorizontalSpace();

    [GeneratedRegex(@" ?\n ?")]
    private static partial Regex SpaceAroundNewline();

    [GeneratedRegex(@"\n{3,}")]
    private static partial Regex BlankLines();
}
