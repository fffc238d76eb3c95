using System.Text;

using Serverless.Demo.Email;

namespace Serverless.Demo.Tests.Email;

public sealed class EmailTextTests
{
    [Fact]
    public void Prepare_PlainMessage_GivesSubjectAndBodyWithoutHeaders()
    {
        const string raw = "From: a@example.com\r\nTo: b@example.com\r\nReceived: from x by y\r\nSubject: Lunch  today?\r\n\r\nAre you free at noon?\r\n\r\n\r\n\r\nBob\r\n";

        var text = EmailText.Prepare(raw);

        Assert.Equal("Lunch today?\n\nAre you free at noon?\n\nBob", text);
    }

    [Fact]
    public void Prepare_MultipartAlternative_PrefersThePlainTextPart()
    {
        const string raw = """
            Subject: Offer
            MIME-Version: 1.0
            Content-Type: multipart/alternative; boundary="XX"

            --XX
            Content-Type: text/plain; charset=us-ascii

            Plain version
            --XX
            Content-Type: text/html

            <html><body><b>HTML version</b></body></html>
            --XX--
            """;

        Assert.Equal("Offer\n\nPlain version", EmailText.Prepare(raw));
    }

    [Fact]
    public void Prepare_Base64Body_IsDecoded()
    {
        var body = Convert.ToBase64String(Encoding.UTF8.GetBytes("Café crème, très bon"));
        var raw = $"Subject: =?utf-8?B?{Convert.ToBase64String(Encoding.UTF8.GetBytes("Réunion"))}?=\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\n{body}\n";

        Assert.Equal("Réunion\n\nCafé crème, très bon", EmailText.Prepare(raw));
    }

    [Fact]
    public void Prepare_QuotedPrintableLatin1_IsDecoded()
    {
        const string raw = "Subject: qp\nContent-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: quoted-printable\n\nna=EFve soft=\nline break =3D ok\n";

        Assert.Equal("qp\n\nnaïve softline break = ok", EmailText.Prepare(raw));
    }

    [Fact]
    public void Prepare_HtmlOnly_IsReducedToVisibleText()
    {
        const string raw = """
            Subject: Win big
            Content-Type: text/html; charset=us-ascii

            <html><head><title>t</title><style>p { color: red }</style></head>
            <body><p>You&nbsp;have <b>won</b> &amp; more!</p><script>var x = 1;</script><div>Click&#33;</div><br>Bye</body></html>
            """;

        Assert.Equal("Win big\n\nYou have won & more!\n\nClick!\n\nBye", EmailText.Prepare(raw));
    }

    [Fact]
    public void Prepare_MixedWithAttachment_IgnoresTheAttachment()
    {
        const string raw = """
            Subject: Report
            MIME-Version: 1.0
            Content-Type: multipart/mixed; boundary="b1"

            --b1
            Content-Type: text/plain

            See attached.
            --b1
            Content-Type: application/octet-stream; name="r.bin"
            Content-Disposition: attachment; filename="r.bin"
            Content-Transfer-Encoding: base64

            AAECAwQFBgc=
            --b1--
            """;

        Assert.Equal("Report\n\nSee attached.", EmailText.Prepare(raw));
    }

    [Theory]
    [InlineData("")]
    [InlineData("not an email at all")]
    [InlineData("Subject: broken\nContent-Type: multipart/mixed; boundary=\"zz\"\n\n--zz\nContent-Transfer-Encoding: base64\n\n!!!not base64")]
    public void Prepare_BrokenMessages_NeverThrow(string raw)
    {
        var text = EmailText.Prepare(raw);

        Assert.NotNull(text);
    }

    [Fact]
    public void Prepare_GarbageBytes_FallBackToRawText()
    {
        var bytes = new byte[] { 0xff, 0x00, 0x41, 0x42, 0x0a, 0x0a, 0x43, 0xe9 };

        var text = EmailText.Prepare(bytes);

        Assert.Contains("C", text, StringComparison.Ordinal);
    }
}
