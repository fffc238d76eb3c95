using System.Text;

namespace Serverless.Training.Data;

/// <summary>
/// RFC 4180 CSV: comma-separated, fields optionally in double quotes, "" for a quote inside a quoted field, quoted fields
/// may span lines, CRLF or LF line ends. Blank lines between records are skipped. A quote inside an unquoted field is kept
/// as text (as spreadsheets write it); text after a closing quote, or a quote left open, is an error.
/// </summary>
public static class CsvReader
{
    /// <summary>Reads the header row and every data row.</summary>
    /// <exception cref="DatasetException">The text is not well-formed CSV.</exception>
    public static (IReadOnlyList<string> Header, IReadOnlyList<CsvRecord> Rows) Read(string text, string source)
    {
        var records = new List<CsvRecord>();
        var fields = new List<string>();
        var field = new StringBuilder();
        var line = 1;
        var recordLine = 1;
        var position = 0;
        var atFieldStart = true;
        var recordQuoted = false;

        void EndField()
        {
            fields.Add(field.ToString());
            field.Clear();
            atFieldStart = true;
        }

        void EndRecord()
        {
            // A record of one empty, unquoted field is a blank line.
            if (fields.Count > 1 || fields[0].Length > 0 || recordQuoted)
            {
                records.Add(new CsvRecord(records.Count, recordLine, fields.ToArray()));
            }

            fields.Clear();
            recordQuoted = false;
        }

        while (position < text.Length)
        {
            var c = text[position];
            if (c == '"' && atFieldStart)
            {
                position = ReadQuoted(text, position + 1, field, ref line, source);
                atFieldStart = false;
                recordQuoted = true;
                continue;
            }

            switch (c)
            {
                case ',':
                    EndField();
                    break;
                case '\r' when position + 1 < text.Length && text[position + 1] == '\n':
                    break;
                case '\r' or '\n':
                    EndField();
                    EndRecord();
                    line++;
                    recordLine = line;
                    break;
                default:
                    field.Append(c);
                    atFieldStart = false;
                    break;
            }

            position++;
        }

        if (fields.Count > 0 || field.Length > 0 || recordQuoted)
        {
            EndField();
            EndRecord();
        }

        if (records.Count == 0)
        {
            return ([], []);
        }

        var header = records[0].Fields;
        for (var i = 1; i < records.Count; i++)
        {
            if (records[i].Fields.Count != header.Count)
            {
                throw new DatasetException(
                    $"{source}: row {records[i].Row} (line {records[i].Line}) has {records[i].Fields.Count} fields but the header has {header.Count}. Quote fields that contain commas or line breaks.");
            }
        }

        return (header, records.Skip(1).ToArray());
    }

    /// <summary>Reads a quoted field's content after its opening quote; returns the position after the closing quote.</summary>
    private static int ReadQuoted(string text, int position, StringBuilder field, ref int line, string source)
    {
        var openedOnLine = line;
        while (true)
        {
            if (position >= text.Length)
            {
                throw new DatasetException(
                    $"{source}: line {openedOnLine}: a quoted field is never closed. Close it with a double quote, and write a quote inside a quoted field as two (\"\").");
            }

            var c = text[position];
            if (c == '"')
            {
                if (position + 1 < text.Length && text[position + 1] == '"')
                {
                    field.Append('"');
                    position += 2;
                    continue;
                }

                position++;
                break;
            }

            if (c == '\n')
            {
                line++;
            }

            field.Append(c);
            position++;
        }

        if (position < text.Length && text[position] is not (',' or '\r' or '\n'))
        {
            throw new DatasetException(
                $"{source}: line {line}: unexpected text after a closing quote. Quote the whole field, and write a quote inside it as two (\"\").");
        }

        return position;
    }
}
